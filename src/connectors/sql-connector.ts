import type {
  ClientInfo,
  ExpiredBatch,
  SessionConnector,
  SessionInventory,
  SessionSummary,
  SessionWrite,
  StoredSession,
} from "../connector.js";
import { isPositiveInteger } from "../numbers.js";
import type { SqlProvider, SqlStatement } from "../sql/provider.js";
import { storedSession, text, toSummary } from "../sql/rows.js";
import type { SqlRunner } from "../sql/runner.js";
import { MAX_BOUND_VALUES, SessionRowStatements } from "../sql/session-rows.js";
import type { TableName } from "../sql/table-name.js";
import { readCurrentTime } from "../sql/time.js";
import type { SqliteTimestampFormat } from "../sql/values.js";
import { SqlSessionTable } from "../storage/sql-session-table.js";
import { isUniqueViolation } from "../storage-errors.js";
import { BatchLoader } from "./batch-loader.js";

/** What a {@link SqlConnector} runs on: the table, its provider, and what runs the statements. */
export interface SqlConnectorParts {
  provider: SqlProvider;
  table: TableName;
  /** How SQLite stores date-times (the adapter's `timestampFormat`); ignored elsewhere. */
  sqliteTimestampFormat: SqliteTimestampFormat;
  runner: SqlRunner;
}

/**
 * The connector contract as one hand-written statement per operation (src/sql), whatever runs
 * them: a driver adapter ({@link PrismaAdapterConnector}) or the client's raw-SQL methods
 * ({@link PrismaConnector}). The public connectors only say what runs the SQL.
 *
 * - Loads asked for during one turn of the event loop are read together, by one
 *   `SELECT … WHERE id IN (…)`.
 * - A taken id on insert is "0 rows" (`ON CONFLICT DO NOTHING`), never an error, on PostgreSQL and
 *   SQLite: a failed query through `@prisma/adapter-pg` closes the pooled connection it ran on.
 *   MySQL has no such insert: there the duplicate-key error is the answer.
 */
export class SqlConnector implements SessionConnector, SessionInventory {
  readonly #sql: SessionRowStatements;
  readonly #runner: SqlRunner;
  /** Cleanup runs the command line's statements through the same runner. */
  readonly #cleanup: SqlSessionTable;
  readonly #loader = new BatchLoader<StoredSession>((ids) => this.#getMany(ids), MAX_BOUND_VALUES);

  constructor({ provider, table, sqliteTimestampFormat, runner }: SqlConnectorParts) {
    this.#sql = new SessionRowStatements(provider, table, sqliteTimestampFormat);
    this.#runner = runner;
    this.#cleanup = new SqlSessionTable(provider, table, runner);
  }

  getSession(id: string): Promise<StoredSession | null> {
    return this.#loader.load(id);
  }

  async #getMany(ids: string[]): Promise<Map<string, StoredSession>> {
    const rows = await this.#runner.query(this.#sql.get(ids));
    return new Map(rows.map((row) => [text(row.id), storedSession(row)]));
  }

  async createSession(session: StoredSession): Promise<boolean> {
    try {
      return (await this.#execute(this.#sql.create(session))) === 1;
    } catch (error) {
      // Only "id taken" is an answer; everything else (connection lost, bad schema) is a failure.
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
    const rows = await this.#runner.query(this.#sql.listUser(userId, now));
    // MySQL/MariaDB's default collation compares case-insensitively and ignores trailing spaces:
    // "Ann" would see "ann"'s devices. Keep exact matches only, whatever the column's collation.
    return rows.map(toSummary).filter((row) => row.userId === userId);
  }

  async destroyUserSessions(userId: string, exceptId?: string): Promise<number> {
    const owned = await this.#runner.query(this.#sql.userIds(userId));
    const ids = owned.filter((row) => row.user_id === userId && row.id !== exceptId).map((row) => text(row.id));
    if (ids.length === 0) return 0;
    // Deleting by id (and the exact owner again) keeps the collation caveat above out of deletes.
    let deleted = 0;
    for (const statement of this.#sql.destroyIds(userId, ids)) deleted += await this.#execute(statement);
    return deleted;
  }

  /** The command line's batches, through this connector's runner. */
  deleteExpiredSessions(now: Date, limit: number, from?: Date | null): Promise<ExpiredBatch> {
    return this.#cleanup.deleteExpiredSessions(now, limit, from);
  }

  countExpiredSessions(now: Date): Promise<number> {
    return this.#cleanup.countExpiredSessions(now);
  }

  async currentTime(): Promise<Date> {
    return readCurrentTime((await this.#runner.query(this.#sql.currentTime()))[0]);
  }

  async countSessions(now: Date): Promise<number> {
    return Number((await this.#runner.query(this.#sql.countLive(now)))[0]?.n ?? 0);
  }

  async listSessions(now: Date, limit: number, afterId?: string): Promise<StoredSession[]> {
    if (!isPositiveInteger(limit)) return [];
    return (await this.#runner.query(this.#sql.page(now, limit, afterId))).map(storedSession);
  }

  async destroyAllSessions(): Promise<number> {
    return this.#execute(this.#sql.destroyAll());
  }

  #execute(statement: SqlStatement): Promise<number> {
    return this.#runner.execute(statement);
  }
}
