import { type SqlRunner, SqlSessionTable } from "../cleanup/sql-session-table.js";
import type { SessionConnector, SessionInventory, SessionSummary, SessionWrite, StoredSession } from "../connector.js";
import { inErrorChain } from "../error-chain.js";
import { ConfigError } from "../errors.js";
import type { SqlProvider } from "../setup/ensure-session-table.js";
import { type AdapterQueryable, adapterRunner } from "../sql/adapter.js";
import {
  bindDate,
  parseTableName,
  placeholders,
  quoteTable,
  readCurrentTime,
  type SqliteTimestampFormat,
  type TableName,
} from "../sql/dialect.js";
import { type AdapterStatements, adapterStatements } from "./adapter-statements.js";
import { BatchLoader } from "./batch-loader.js";
import { storedSession, text, toSummary } from "./sql-rows.js";

/** A Prisma driver adapter factory (`new PrismaPg(pool)`, `new PrismaMariaDb(…)`, …), structurally. */
export interface DriverAdapterFactory {
  readonly provider: "postgres" | "mysql" | "sqlite";
  connect(): Promise<AdapterQueryable>;
}

/** Options of {@link PrismaAdapterConnector}. */
export interface PrismaAdapterConnectorOptions {
  /** The sessions table, optionally `schema.table`. @default "sessions" */
  table?: string;
  /** How the SQLite adapter stores date-times (its `timestampFormat` option). @default "iso8601" */
  sqliteTimestampFormat?: SqliteTimestampFormat;
}

type Value = string | number | null;

const PROVIDERS: Record<DriverAdapterFactory["provider"], SqlProvider> = {
  postgres: "postgresql",
  mysql: "mysql",
  sqlite: "sqlite",
};

/** The driver error of a unique-key violation, as Prisma's adapters report it. */
function isUniqueViolation(error: unknown): boolean {
  return inErrorChain(error, (link) => Reflect.get(link, "kind") === "UniqueConstraintViolation");
}

/**
 * Stores sessions through a Prisma driver adapter, with one hand-written statement per operation:
 * the same table and the same adapter as your Prisma client, without the client's query engine,
 * which costs several times the CPU of the driver itself (see the README's benchmark). Pass the
 * adapter factory your client uses, built on your own pool so both share it.
 *
 * @example
 * const pool = new pg.Pool({ connectionString });
 * const adapter = new PrismaPg(pool);
 * const prisma = new PrismaClient({ adapter });
 * const connector = new PrismaAdapterConnector(adapter);
 */
export class PrismaAdapterConnector implements SessionConnector, SessionInventory {
  readonly #factory: DriverAdapterFactory;
  readonly #provider: SqlProvider;
  readonly #sql: AdapterStatements;
  readonly #sqliteFormat: SqliteTimestampFormat;
  readonly #table: TableName;
  #runner: Promise<SqlRunner> | undefined;
  /** Cleanup runs the command line's statements on this connector's connection. */
  readonly #cleanup: SqlSessionTable;
  readonly #loader = new BatchLoader<StoredSession>((ids) => this.#getMany(ids));

  constructor(factory: DriverAdapterFactory, options: PrismaAdapterConnectorOptions = {}) {
    const provider = PROVIDERS[factory.provider];
    if (provider === undefined) throw new ConfigError(`Unsupported driver adapter provider "${factory.provider}"`);
    this.#factory = factory;
    this.#provider = provider;
    this.#table = parseTableName(options.table ?? "sessions");
    this.#sql = adapterStatements(provider, quoteTable(provider, this.#table));
    this.#sqliteFormat = options.sqliteTimestampFormat ?? "iso8601";
    this.#cleanup = new SqlSessionTable(provider, this.#table, {
      query: async (statement) => (await this.#connect()).query(statement),
      execute: async (statement) => (await this.#connect()).execute(statement),
    });
  }

  getSession(id: string): Promise<StoredSession | null> {
    return this.#loader.load(id);
  }

  async #getMany(ids: string[]): Promise<Map<string, StoredSession>> {
    const rows =
      ids.length === 1 ? await this.#rows(this.#sql.get, ids) : await this.#rows(this.#sql.getMany(ids.length), ids);
    return new Map(rows.map((row) => [text(row.id), storedSession(row)]));
  }

  async createSession(s: StoredSession): Promise<boolean> {
    const values = [s.id, s.userId, s.version, this.#date(s.expiresAt), this.#date(s.absoluteExpiresAt)];
    const rest = [this.#bool(s.browserSession), this.#date(s.createdAt), this.#date(s.updatedAt), s.data];
    try {
      return (await this.#execute(this.#sql.create, [...values, ...rest])) === 1;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async updateSession(id: string, expectedVersion: number, w: SessionWrite): Promise<boolean> {
    const values = [w.data, w.userId, expectedVersion + 1, this.#date(w.expiresAt)];
    const rest = [this.#date(w.absoluteExpiresAt), this.#bool(w.browserSession), this.#date(w.updatedAt)];
    return (await this.#execute(this.#sql.update, [...values, ...rest, id, expectedVersion])) === 1;
  }

  async touchSession(id: string, expiresAt: Date, now: Date): Promise<boolean> {
    const values = [this.#date(expiresAt), this.#date(now), id, this.#date(now), this.#date(expiresAt)];
    return (await this.#execute(this.#sql.touch, values)) === 1;
  }

  async destroySession(id: string): Promise<void> {
    await this.#execute(this.#sql.destroy, [id]);
  }

  async listUserSessions(userId: string, now: Date): Promise<SessionSummary[]> {
    const rows = await this.#rows(this.#sql.listUser, [userId, this.#date(now)]);
    // MySQL/MariaDB's default collation ignores case and trailing spaces: keep exact matches only.
    return rows.map(toSummary).filter((row) => row.userId === userId);
  }

  async destroyUserSessions(userId: string, exceptId?: string): Promise<number> {
    const owned = await this.#rows(this.#sql.userIds, [userId]);
    const ids = owned.filter((row) => row.user_id === userId && row.id !== exceptId).map((row) => text(row.id));
    if (ids.length === 0) return 0;
    return this.#execute(this.#sql.destroyIds(ids.length), [userId, ...ids]);
  }

  /** Batches resume where the previous one ended, as the command line's do. */
  deleteExpiredSessions(now: Date, limit: number): Promise<number> {
    return this.#cleanup.deleteExpiredSessions(now, limit);
  }

  countExpiredSessions(now: Date): Promise<number> {
    return this.#cleanup.countExpiredSessions(now);
  }

  async currentTime(): Promise<Date> {
    return readCurrentTime(await this.#first(this.#sql.currentTime, []));
  }

  async countSessions(now: Date): Promise<number> {
    return Number((await this.#first(this.#sql.countLive, [this.#date(now)]))?.n ?? 0);
  }

  async listSessions(now: Date, limit: number, afterId?: string): Promise<StoredSession[]> {
    if (!Number.isInteger(limit) || limit < 1) return [];
    const args = afterId === undefined ? [this.#date(now)] : [this.#date(now), afterId];
    return (await this.#rows(this.#sql.page(afterId !== undefined, limit), args)).map(storedSession);
  }

  async destroyAllSessions(): Promise<number> {
    return this.#execute(this.#sql.destroyAll, []);
  }

  #date(value: Date): string | number {
    return bindDate(this.#provider, value, this.#sqliteFormat);
  }

  #bool(value: boolean): Value {
    return this.#provider === "postgresql" ? String(value) : value ? 1 : 0;
  }

  #connect(): Promise<SqlRunner> {
    // A failed connect is not cached: the next call tries again (the database may be back).
    this.#runner ??= this.#factory.connect().then(adapterRunner, (error: unknown) => {
      this.#runner = undefined;
      throw error;
    });
    return this.#runner;
  }

  async #first(sql: string, args: Value[]): Promise<Record<string, unknown> | undefined> {
    return (await this.#rows(sql, args))[0];
  }

  async #rows(sql: string, args: Value[]): Promise<Record<string, unknown>[]> {
    return (await this.#connect()).query({ sql: placeholders(this.#provider, sql), args });
  }

  async #execute(sql: string, args: Value[]): Promise<number> {
    return (await this.#connect()).execute({ sql: placeholders(this.#provider, sql), args });
  }
}
