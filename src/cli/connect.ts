// From a database URL to a Prisma driver adapter, chosen by the URL's scheme and loaded lazily:
// the adapters and drivers are optional peer dependencies, and a user needs only their own.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { SqlProvider } from "../sql/provider.js";
import { parseTableName, type TableName } from "../sql/table-name.js";
import { adapterRunner, pinConnection, type SqlAdapter } from "../storage/adapter-runner.js";
import { PgServerBatches, pgPoolSessions, type SqlSession } from "../storage/pg-server-batches.js";
import { SqlCleanupLock } from "../storage/sql-lock.js";
import { SqlSessionTable } from "../storage/sql-session-table.js";
import { UsageError } from "./errors.js";

/** An open database: the sessions table, its lock, and the connection pool to close. */
export interface Database {
  provider: SqlProvider;
  table: TableName;
  sessions: SqlSessionTable;
  lock: SqlCleanupLock;
  close(): Promise<void>;
}

/** A driver that is not installed: the message says what to install. */
export class MissingDriverError extends Error {
  override name = "MissingDriverError";
}

const SCHEMES: Record<string, SqlProvider> = {
  "postgres:": "postgresql",
  "postgresql:": "postgresql",
  "mysql:": "mysql",
  "mariadb:": "mysql",
  "file:": "sqlite",
};

const PACKAGES: Record<SqlProvider, string> = {
  postgresql: "@prisma/adapter-pg",
  mysql: "@prisma/adapter-mariadb mariadb",
  sqlite: "@prisma/adapter-better-sqlite3",
};

/** The provider a URL names, from its scheme. */
export function providerOf(url: string): SqlProvider {
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0].toLowerCase();
  const provider = scheme === undefined ? undefined : SCHEMES[scheme];
  if (provider === undefined) {
    const shown = scheme ?? "no scheme";
    throw new UsageError(
      `Unsupported database URL (${shown}): use postgres://, postgresql://, mysql://, mariadb:// or file:`,
    );
  }
  return provider;
}

function parseUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new UsageError("The database URL is not a valid URL");
  }
}

async function load<T>(provider: SqlProvider, importer: () => Promise<T>): Promise<T> {
  try {
    return await importer();
  } catch (error) {
    if (Reflect.get(Object(error), "code") !== "ERR_MODULE_NOT_FOUND") throw error;
    throw new MissingDriverError(`The ${provider} driver is not installed: npm install ${PACKAGES[provider]}`, {
      cause: error,
    });
  }
}

interface Opened {
  adapter: SqlAdapter;
  schema: string | null;
  /** PostgreSQL: connections of the adapter's pool outside any transaction (see PgServerBatches). */
  session?: () => Promise<SqlSession>;
}

async function openPostgres(url: string): Promise<Opened> {
  // Prisma URLs name the schema in `?schema=`; pg would ignore it, so it qualifies the table instead.
  const parsed = parseUrl(url);
  const schema = parsed.searchParams.get("schema");
  parsed.searchParams.delete("schema");
  const { PrismaPg } = await load("postgresql", () => import("@prisma/adapter-pg"));
  // Every statement unnamed, so planned with its actual values: a prepared (generic) plan of the
  // batch delete was a tenth faster on deadlines in row order, but with scattered deadlines it
  // slowed the batches and multiplied the p99 of concurrent session loads by twelve.
  const adapter = await new PrismaPg({
    connectionString: parsed.toString(),
    connectionTimeoutMillis: 10_000,
  }).connect();
  // The adapter's own pg pool also lends whole connections to the server-side batch loop.
  const pool = adapter.underlyingDriver();
  const session = pgPoolSessions(pool);
  return { adapter, schema, session };
}

async function openMysql(url: string): Promise<Opened> {
  const parsed = parseUrl(url);
  parsed.protocol = "mariadb:";
  const [{ PrismaMariaDb }, { default: mariadb }] = await load("mysql", () =>
    Promise.all([import("@prisma/adapter-mariadb"), import("mariadb")]),
  );
  // The pool retries a failing connection until its acquire timeout (10 s, twice); one plain
  // connection first fails fast with the server's own reason.
  const probe = await mariadb.createConnection(parsed.toString());
  await probe.end();
  return { adapter: await new PrismaMariaDb(parsed.toString()).connect(), schema: null };
}

async function openSqlite(url: string): Promise<Opened> {
  // `file:./dev.db?connection_limit=1`: the path, relative to the working directory.
  const path = resolve(url.slice("file:".length).split("?")[0] ?? "");
  if (!existsSync(path)) throw new Error(`the SQLite database file ${path} does not exist`);
  const { PrismaBetterSqlite3 } = await load("sqlite", () => import("@prisma/adapter-better-sqlite3"));
  const adapter = await new PrismaBetterSqlite3({ url: `file:${path}`, fileMustExist: true }).connect();
  return { adapter, schema: null };
}

function tableName(text: string, schema: string | null): TableName {
  try {
    return parseTableName(text, schema);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

const OPENERS = { postgresql: openPostgres, mysql: openMysql, sqlite: openSqlite };

/**
 * Opens the database a URL names and the sessions table in it.
 *
 * @throws UsageError for an unsupported or malformed URL or table name.
 * @throws MissingDriverError when the provider's adapter or driver is not installed.
 */
export async function openDatabase(url: string, tableText: string): Promise<Database> {
  const provider = providerOf(url);
  const named = tableName(tableText, null);
  const { adapter, schema, session } = await OPENERS[provider](url);
  let table: TableName;
  try {
    table = named.schema === null && schema !== null ? tableName(tableText, schema) : named;
  } catch (error) {
    await adapter.dispose();
    throw error;
  }
  return {
    provider,
    table,
    sessions: new SqlSessionTable(
      provider,
      table,
      adapterRunner(adapter),
      session === undefined ? undefined : new PgServerBatches(table, adapterRunner(adapter), session),
    ),
    lock: new SqlCleanupLock(provider, table, () => pinConnection(adapter), adapterRunner(adapter)),
    close: () => adapter.dispose(),
  };
}
