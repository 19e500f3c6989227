// The shared test harness: one isolated namespace per openTestDatabase() call (a temp SQLite file,
// a PostgreSQL schema, a MariaDB database), so test files can run in parallel Jest workers.
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaMariaDb } from "@prisma/adapter-mariadb";
import { PrismaPg } from "@prisma/adapter-pg";
import Database from "better-sqlite3";
import mariadb, { type ConnectionConfig } from "mariadb";
import pg from "pg";
import { PrismaClient as MySqlClient } from "../../prisma/generated/mysql/client.js";
import { PrismaClient as PostgresClient } from "../../prisma/generated/postgresql/client.js";
import { PrismaClient as SqliteClient } from "../../prisma/generated/sqlite/client.js";
import type { StoredSession } from "../../src/connector.js";
import type { DriverAdapterFactory } from "../../src/connectors/prisma-adapter.js";
import { ensureSessionTable } from "../../src/setup/ensure-session-table.js";
import type { AdapterQueryable } from "../../src/storage/adapter-runner.js";
import type { RawSqlClient } from "../../src/storage/prisma-raw.js";

/** A database family the suite runs on (Prisma's `provider` names; MariaDB is `"mysql"`). */
export type Provider = "sqlite" | "postgresql" | "mysql";

const ALL_PROVIDERS: readonly Provider[] = ["sqlite", "postgresql", "mysql"];

function isProvider(name: string): name is Provider {
  return ALL_PROVIDERS.some((provider) => provider === name);
}

function selectedProviders(list: string | undefined): Provider[] {
  if (list === undefined || list.trim() === "") return [...ALL_PROVIDERS];
  const names = list.split(",").map((name) => name.trim());
  const unknown = names.filter((name) => !isProvider(name));
  if (unknown.length > 0) throw new Error(`PRISMA_SESSIONS_TEST_PROVIDERS: unknown ${unknown.join(", ")}`);
  return names.filter(isProvider);
}

/** The providers to test: all three, or those named in `PRISMA_SESSIONS_TEST_PROVIDERS=sqlite,postgresql`. */
export const providers: Provider[] = selectedProviders(process.env.PRISMA_SESSIONS_TEST_PROVIDERS);

const PG_URL = process.env.PRISMA_SESSIONS_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
const MYSQL_URL = process.env.PRISMA_SESSIONS_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test";

/** The model calls tests make to look at or plant rows the way an application's own Prisma code would. */
export interface TestSessionDelegate {
  findUnique(args: { where: { id: string } }): Promise<StoredSession | null>;
  create(args: { data: StoredSession }): Promise<unknown>;
  updateMany(args: { where: { id: string }; data: Partial<StoredSession> }): Promise<{ count: number }>;
}

/**
 * What tests may use of the generated client: the `session` delegate's calls tests make,
 * raw SQL and disconnect. The three generated clients have different (provider-specific) types,
 * so they meet in this structural type rather than in a union nobody could call methods on.
 */
export interface TestPrismaClient extends RawSqlClient {
  session: TestSessionDelegate;
  $disconnect(): Promise<void>;
}

/** One isolated database namespace with the `sessions` table created by `ensureSessionTable`. */
export interface TestDatabase {
  provider: Provider;
  /** The generated PrismaClient of this provider, on its driver adapter, bound to the namespace. */
  prisma: TestPrismaClient;
  /**
   * Runs a query through the plain driver (not Prisma); `?` placeholders. Values are the driver's
   * own (SQLite: dates as text, booleans as 0/1; MariaDB: booleans as 0/1), except that BIGINTs
   * are numbers and PostgreSQL/MariaDB date-times are read as UTC everywhere. Bind dates as text.
   */
  sql(query: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Runs a statement through the plain driver (not Prisma); `?` placeholders. */
  exec(query: string, params?: unknown[]): Promise<void>;
  /** Another client on the same namespace, as a second application process would have. */
  openClient(): TestPrismaClient;
  /** A Prisma driver adapter factory on the same namespace, for PrismaAdapterConnector. */
  openAdapter(): DriverAdapterFactory;
  /** Disconnects every client and drops the namespace. */
  close(): Promise<void>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function toRows(value: unknown): Record<string, unknown>[] {
  if (!Array.isArray(value)) throw new Error("the driver returned no rows for a query");
  const rows: unknown[] = value;
  return rows.filter(isRecord);
}

/** `?` → `$1, $2, …` for pg, leaving quoted text alone. */
function numberPlaceholders(query: string): string {
  let index = 0;
  let quoted = false;
  let out = "";
  for (const char of query) {
    if (char === "'") quoted = !quoted;
    out += char === "?" && !quoted ? `$${++index}` : char;
  }
  return out;
}

/** A driver adapter factory, as the three Prisma adapters are. */
interface AdapterFactory {
  readonly provider: DriverAdapterFactory["provider"];
  connect(): Promise<AdapterQueryable & { dispose(): Promise<void> }>;
}

/** Every client and adapter opened on one namespace, so close() can disconnect them all. */
class Clients<A extends AdapterFactory> {
  readonly #open: TestPrismaClient[] = [];
  readonly #adapters: Promise<{ dispose(): Promise<void> }>[] = [];
  constructor(
    readonly makeAdapter: () => A,
    readonly makeClient: (adapter: A) => TestPrismaClient,
  ) {}

  open(): TestPrismaClient {
    const client = this.makeClient(this.makeAdapter());
    this.#open.push(client);
    return client;
  }

  /** A fresh adapter factory whose connections are disposed of by {@link disconnect}. */
  openAdapter(): DriverAdapterFactory {
    const factory = this.makeAdapter();
    const connect = () => {
      const connected = factory.connect();
      this.#adapters.push(connected);
      return connected;
    };
    return { provider: factory.provider, connect };
  }

  async disconnect(): Promise<void> {
    await Promise.all(this.#open.map((client) => client.$disconnect()));
    await Promise.all(this.#adapters.map(async (adapter) => (await adapter).dispose()));
  }
}

function namespace(): string {
  return `ps_${randomBytes(6).toString("hex")}`;
}

async function openSqlite(): Promise<Omit<TestDatabase, "provider">> {
  const file = join(tmpdir(), `prisma-sessions-${namespace()}.db`);
  const clients = new Clients(
    () => new PrismaBetterSqlite3({ url: `file:${file}` }),
    (adapter) => new SqliteClient({ adapter }),
  );
  const prisma = clients.open();
  const raw = new Database(file);
  return {
    prisma,
    openClient: () => clients.open(),
    openAdapter: () => clients.openAdapter(),
    sql: async (query, params = []) => toRows(raw.prepare(query).all(...params)),
    exec: async (query, params = []) => {
      raw.prepare(query).run(...params);
    },
    close: async () => {
      await clients.disconnect();
      raw.close();
      await Promise.all(["", "-journal", "-wal", "-shm"].map((suffix) => rm(file + suffix, { force: true })));
    },
  };
}

/**
 * Reads raw values the way the other drivers (and Prisma) see them: COUNT(*) and other BIGINTs as
 * numbers, and TIMESTAMP (no time zone), where Prisma writes UTC, as UTC rather than local time.
 */
const pgTypeParser: typeof pg.types.getTypeParser = (id, format) => {
  if (id === pg.types.builtins.INT8) return Number;
  if (id === pg.types.builtins.TIMESTAMP) return utcDate;
  return pg.types.getTypeParser(id, format);
};

/** A zone-less `YYYY-MM-DD HH:MM:SS[.fff]` read as UTC, whatever the machine's time zone. */
function utcDate(value: string): Date {
  return new Date(`${value.replace(" ", "T")}Z`);
}

async function openPostgres(): Promise<Omit<TestDatabase, "provider">> {
  const schema = namespace();
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA "${schema}"`);
  } finally {
    await admin.end();
  }
  // `schema` qualifies the client's model queries; search_path sends raw SQL to the same schema.
  const connection = { connectionString: PG_URL, options: `-c search_path=${schema}` };
  const clients = new Clients(
    () => new PrismaPg(connection, { schema }),
    (adapter) => new PostgresClient({ adapter }),
  );
  const prisma = clients.open();
  const raw = new pg.Client({ ...connection, types: { getTypeParser: pgTypeParser } });
  await raw.connect();
  return {
    prisma,
    openClient: () => clients.open(),
    openAdapter: () => clients.openAdapter(),
    sql: async (query, params = []) => {
      return (await raw.query<Record<string, unknown>>(numberPlaceholders(query), params)).rows;
    },
    exec: async (query, params = []) => {
      await raw.query(numberPlaceholders(query), params);
    },
    close: async () => {
      await clients.disconnect();
      try {
        await raw.query(`DROP SCHEMA "${schema}" CASCADE`);
      } finally {
        await raw.end();
      }
    },
  };
}

function mariadbConfig(url: URL, database: string): ConnectionConfig {
  return {
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database,
    // As pgTypeParser does for pg: COUNT(*) as a number, DATETIME (written in UTC by Prisma) as UTC.
    bigIntAsNumber: true,
    typeCast: (field, next) => {
      if (`${field.type}` !== "DATETIME") return next();
      const value = field.string();
      return value === null ? null : utcDate(value);
    },
  };
}

async function openMysql(): Promise<Omit<TestDatabase, "provider">> {
  const database = namespace();
  const base = new URL(MYSQL_URL);
  const admin = await mariadb.createConnection(mariadbConfig(base, base.pathname.slice(1)));
  try {
    await admin.query(`CREATE DATABASE \`${database}\``);
  } finally {
    await admin.end();
  }
  const url = new URL(MYSQL_URL);
  url.pathname = `/${database}`;
  const clients = new Clients(
    () => new PrismaMariaDb(url.toString()),
    (adapter) => new MySqlClient({ adapter }),
  );
  const prisma = clients.open();
  const raw = await mariadb.createConnection(mariadbConfig(base, database));
  return {
    prisma,
    openClient: () => clients.open(),
    openAdapter: () => clients.openAdapter(),
    sql: async (query, params = []) => toRows(await raw.query(query, params)),
    exec: async (query, params = []) => {
      await raw.query(query, params);
    },
    close: async () => {
      await clients.disconnect();
      try {
        await raw.query(`DROP DATABASE \`${database}\``);
      } finally {
        await raw.end();
      }
    },
  };
}

const OPENERS: Record<Provider, () => Promise<Omit<TestDatabase, "provider">>> = {
  sqlite: openSqlite,
  postgresql: openPostgres,
  mysql: openMysql,
};

/**
 * Opens a fresh, isolated namespace on `provider`. With `createTable: false` the namespace is left
 * empty (for tests of `ensureSessionTable` itself).
 */
export async function openTestDatabase(
  provider: Provider,
  options: { createTable?: boolean } = {},
): Promise<TestDatabase> {
  const database = { provider, ...(await OPENERS[provider]()) };
  if (options.createTable ?? true) {
    try {
      await ensureSessionTable(database.prisma, { provider });
    } catch (error) {
      await database.close();
      throw error;
    }
  }
  return database;
}
