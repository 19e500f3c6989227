// A whole PostgreSQL database per test file, for servers reached through something that cannot
// carry a per-connection search_path (PgBouncer refuses the `options` startup parameter; a
// replica is read-only, so its schema must come from the primary). The database is created and
// dropped on a direct connection; the clients use whatever URL the test gives them.
import { randomBytes } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient as PostgresClient } from "../../../prisma/generated/postgresql/client.js";
import type { DriverAdapterFactory } from "../../../src/connectors/prisma-adapter.js";
import { ensureSessionTable } from "../../../src/setup/ensure-session-table.js";
import type { TestDatabase, TestPrismaClient } from "../databases.js";

/** The same URL with another database name. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Reads BIGINT as a number and TIMESTAMP (Prisma writes UTC) as UTC, like the main harness. */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((id: number, format?: "text" | "binary") => {
    if (id === pg.types.builtins.INT8) return Number;
    if (id === pg.types.builtins.TIMESTAMP) return (value: string) => new Date(`${value.replace(" ", "T")}Z`);
    return pg.types.getTypeParser(id, format);
  }) as pg.CustomTypesConfig["getTypeParser"],
};

/** `?` → `$1, $2, …`, leaving quoted text alone. */
function numbered(query: string): string {
  let index = 0;
  let quoted = false;
  let out = "";
  for (const char of query) {
    if (char === "'") quoted = !quoted;
    out += char === "?" && !quoted ? `$${++index}` : char;
  }
  return out;
}

export interface PgTestDatabase extends TestDatabase {
  /** The database's name. */
  name: string;
  /** The URL the clients use (through the pooler, to the primary, …). */
  clientUrl: string;
  /** A direct URL to the same database. */
  directUrl: string;
}

export interface PgDatabaseOptions {
  /** A direct URL to the server (any database): CREATE and DROP DATABASE run there, and `sql()`. */
  server: string;
  /** The URL clients use to reach database `name`. @default the direct URL */
  clientUrl?: (name: string) => string;
  /** Create the sessions table (through a client). @default true */
  createTable?: boolean;
}

/** Creates a fresh database and opens it; `close()` disconnects everything and drops it. */
export async function openPgDatabase(options: PgDatabaseOptions): Promise<PgTestDatabase> {
  const name = `ps_${randomBytes(6).toString("hex")}`;
  const directUrl = withDatabase(options.server, name);
  const clientUrl = options.clientUrl?.(name) ?? directUrl;
  const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: withDatabase(options.server, "postgres") });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  await admin((client) => client.query(`CREATE DATABASE "${name}"`));

  const clients: TestPrismaClient[] = [];
  const adapters: Promise<{ dispose(): Promise<void> }>[] = [];
  const openClient = (): TestPrismaClient => {
    const client = new PostgresClient({ adapter: new PrismaPg({ connectionString: clientUrl }) });
    clients.push(client);
    return client;
  };
  const openAdapter = (): DriverAdapterFactory => {
    const factory = new PrismaPg({ connectionString: clientUrl });
    return {
      provider: factory.provider,
      connect: () => {
        const connected = factory.connect();
        adapters.push(connected);
        return connected;
      },
    };
  };
  const raw = new pg.Client({ connectionString: directUrl, types });
  await raw.connect();
  const close = async () => {
    await Promise.all(clients.map((client) => client.$disconnect()));
    await Promise.all(adapters.map(async (adapter) => (await adapter).dispose()));
    await raw.end();
    // FORCE: a pooler may still hold idle server connections to it.
    await admin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  };
  const db: PgTestDatabase = {
    provider: "postgresql",
    name,
    clientUrl,
    directUrl,
    prisma: openClient(),
    openClient,
    openAdapter,
    sql: async (query, params = []) => (await raw.query<Record<string, unknown>>(numbered(query), params)).rows,
    exec: async (query, params = []) => {
      await raw.query(numbered(query), params);
    },
    close,
  };
  if (options.createTable ?? true) {
    try {
      await ensureSessionTable(db.prisma, { provider: "postgresql" });
    } catch (error) {
      await close();
      throw error;
    }
  }
  return db;
}
