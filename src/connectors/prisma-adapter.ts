import type {
  ClientInfo,
  ExpiredBatch,
  SessionConnector,
  SessionInventory,
  SessionSummary,
  SessionWrite,
  StoredSession,
} from "../connector.js";
import { memoizeUntilFailure } from "../memo.js";
import { isPositiveInteger } from "../numbers.js";
import { providerOfAdapter, type SqlStatement } from "../sql/provider.js";
import { storedSession, text, toSummary } from "../sql/rows.js";
import type { SqlRunner } from "../sql/runner.js";
import { SessionRowStatements } from "../sql/session-rows.js";
import { parseTableName } from "../sql/table-name.js";
import { readCurrentTime } from "../sql/time.js";
import type { SqliteTimestampFormat } from "../sql/values.js";
import { type AdapterQueryable, adapterRunner } from "../storage/adapter-runner.js";
import { SqlSessionTable } from "../storage/sql-session-table.js";
import { isUniqueViolation } from "../storage-errors.js";
import { BatchLoader } from "./batch-loader.js";

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
  readonly #sql: SessionRowStatements;
  /** A failed connect is not kept: the next call tries again (the database may be back). */
  readonly #runner: () => Promise<SqlRunner>;
  /** Cleanup runs the command line's statements on this connector's connection. */
  readonly #cleanup: SqlSessionTable;
  readonly #loader = new BatchLoader<StoredSession>((ids) => this.#getMany(ids));

  constructor(factory: DriverAdapterFactory, options: PrismaAdapterConnectorOptions = {}) {
    const provider = providerOfAdapter(factory.provider);
    const table = parseTableName(options.table ?? "sessions");
    this.#sql = new SessionRowStatements(provider, table, options.sqliteTimestampFormat ?? "iso8601");
    this.#runner = memoizeUntilFailure(async () => adapterRunner(await factory.connect()));
    this.#cleanup = new SqlSessionTable(provider, table, {
      query: async (statement) => (await this.#runner()).query(statement),
      execute: async (statement) => (await this.#runner()).execute(statement),
    });
  }

  getSession(id: string): Promise<StoredSession | null> {
    return this.#loader.load(id);
  }

  async #getMany(ids: string[]): Promise<Map<string, StoredSession>> {
    const rows = await this.#rows(this.#sql.get(ids));
    return new Map(rows.map((row) => [text(row.id), storedSession(row)]));
  }

  async createSession(session: StoredSession): Promise<boolean> {
    try {
      return (await this.#execute(this.#sql.create(session))) === 1;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async updateSession(id: string, expectedVersion: number, write: SessionWrite): Promise<boolean> {
    return (await this.#execute(this.#sql.update(id, expectedVersion, write))) === 1;
  }

  async touchSession(id: string, expiresAt: Date, now: Date, client?: ClientInfo): Promise<boolean> {
    return (await this.#execute(this.#sql.touch(id, expiresAt, now, client))) === 1;
  }

  async destroySession(id: string): Promise<void> {
    await this.#execute(this.#sql.destroy(id));
  }

  async listUserSessions(userId: string, now: Date): Promise<SessionSummary[]> {
    const rows = await this.#rows(this.#sql.listUser(userId, now));
    // MySQL/MariaDB's default collation ignores case and trailing spaces: keep exact matches only.
    return rows.map(toSummary).filter((row) => row.userId === userId);
  }

  async destroyUserSessions(userId: string, exceptId?: string): Promise<number> {
    const owned = await this.#rows(this.#sql.userIds(userId));
    const ids = owned.filter((row) => row.user_id === userId && row.id !== exceptId).map((row) => text(row.id));
    if (ids.length === 0) return 0;
    return this.#execute(this.#sql.destroyIds(userId, ids));
  }

  /** The command line's batches, on this connector's connection. */
  deleteExpiredSessions(now: Date, limit: number, from?: Date | null): Promise<ExpiredBatch> {
    return this.#cleanup.deleteExpiredSessions(now, limit, from);
  }

  countExpiredSessions(now: Date): Promise<number> {
    return this.#cleanup.countExpiredSessions(now);
  }

  async currentTime(): Promise<Date> {
    return readCurrentTime((await this.#rows(this.#sql.currentTime()))[0]);
  }

  async countSessions(now: Date): Promise<number> {
    return Number((await this.#rows(this.#sql.countLive(now)))[0]?.n ?? 0);
  }

  async listSessions(now: Date, limit: number, afterId?: string): Promise<StoredSession[]> {
    if (!isPositiveInteger(limit)) return [];
    return (await this.#rows(this.#sql.page(now, limit, afterId))).map(storedSession);
  }

  async destroyAllSessions(): Promise<number> {
    return this.#execute(this.#sql.destroyAll());
  }

  async #rows(statement: SqlStatement): Promise<Record<string, unknown>[]> {
    return (await this.#runner()).query(statement);
  }

  async #execute(statement: SqlStatement): Promise<number> {
    return (await this.#runner()).execute(statement);
  }
}
