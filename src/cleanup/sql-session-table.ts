import type { SqlProvider } from "../setup/ensure-session-table.js";
import {
  bindDate,
  countExpiredStatement,
  currentTimeStatement,
  deleteBatchStatement,
  placeholders,
  readCurrentTime,
  readDate,
  type SqliteTimestampFormat,
  type SqlStatement,
  sqliteTimestampProbe,
  type TableName,
  tableSummaryStatement,
  topUsersStatement,
} from "../sql/dialect.js";
import type { CleanupTarget } from "./cleanup.js";

/** Runs SQL for {@link SqlSessionTable}: a Prisma client's raw methods or a driver adapter. */
export interface SqlRunner {
  /** Rows as column → value records. Placeholders are already in the provider's form. */
  query(statement: SqlStatement): Promise<Record<string, unknown>[]>;
  /** The number of rows the statement changed. */
  execute(statement: SqlStatement): Promise<number>;
}

/** What `prisma-sessions stats` reports. */
export interface TableStats {
  /** Rows whose deadline is after now. */
  live: number;
  /** Rows whose deadline has passed and that no cleanup has deleted yet. */
  expired: number;
  /** The earliest deadline in the table (`null` when it is empty). */
  oldestDeadline: Date | null;
  /** Owners with the most live sessions, most first. */
  topUsers: { userId: string; sessions: number }[];
}

/**
 * The sessions table through plain SQL (the statements of src/sql/dialect.ts): the two methods
 * cleanup needs, in one statement per batch, and the statistics of `stats`. It never reads the
 * `data` column.
 */
export class SqlSessionTable implements CleanupTarget {
  readonly #provider: SqlProvider;
  readonly #table: TableName;
  readonly #runner: SqlRunner;
  #sqliteFormat: Promise<SqliteTimestampFormat> | undefined;
  /** Where the next batch of the run with this `now` starts (see deleteBatchStatement). */
  #cursor: { now: number; from: string | number } | undefined;

  constructor(provider: SqlProvider, table: TableName, runner: SqlRunner) {
    this.#provider = provider;
    this.#table = table;
    this.#runner = runner;
  }

  async deleteExpiredSessions(now: Date, limit: number): Promise<number> {
    if (!Number.isSafeInteger(limit) || limit < 1) return 0;
    // A new `now` is a new run: it starts from the oldest deadline again.
    const from = this.#cursor?.now === now.getTime() ? this.#cursor.from : null;
    const statement = deleteBatchStatement(this.#provider, this.#table, await this.#bind(now), limit, from);
    if (statement.counts === "affected") return this.#runner.execute(this.#sql(statement));
    const [row] = await this.#runner.query(this.#sql(statement));
    const last = readDate(row?.last);
    const deleted = Number(row?.deleted ?? 0);
    // A short batch ends the run: the next one starts from the oldest deadline again.
    this.#cursor = last === null || deleted < limit ? undefined : { now: now.getTime(), from: await this.#bind(last) };
    return deleted;
  }

  /** The database server's clock: what cleanup and `stats` call "now". */
  async currentTime(): Promise<Date> {
    const [row] = await this.#runner.query(this.#sql(currentTimeStatement(this.#provider)));
    return readCurrentTime(row);
  }

  async countExpiredSessions(now: Date): Promise<number> {
    const [row] = await this.#runner.query(
      this.#sql(countExpiredStatement(this.#provider, this.#table, await this.#bind(now))),
    );
    return Number(row?.expired ?? 0);
  }

  /** Live and expired counts, the oldest deadline and the `top` owners with most live sessions. */
  async stats(now: Date, top: number): Promise<TableStats> {
    const value = await this.#bind(now);
    const [summary] = await this.#runner.query(this.#sql(tableSummaryStatement(this.#provider, this.#table, value)));
    const users = await this.#runner.query(this.#sql(topUsersStatement(this.#provider, this.#table, value, top)));
    return {
      live: Number(summary?.live ?? 0),
      expired: Number(summary?.expired ?? 0),
      oldestDeadline: readDate(summary?.oldest),
      topUsers: users.map((row) => ({ userId: String(row.user_id), sessions: Number(row.sessions) })),
    };
  }

  #sql({ sql, args }: SqlStatement): SqlStatement {
    return { sql: placeholders(this.#provider, sql), args };
  }

  /**
   * The instant as the column stores it. On SQLite that depends on the adapter's `timestampFormat`
   * when the rows were written: text (the default) or epoch milliseconds. Comparing text with
   * numbers would count every row as expired, so look at one row first.
   */
  async #bind(instant: Date): Promise<string | number> {
    if (this.#provider !== "sqlite") return bindDate(this.#provider, instant);
    this.#sqliteFormat ??= this.#runner.query(sqliteTimestampProbe(this.#table)).then(
      ([row]) => (row?.kind === "integer" ? "unixepoch-ms" : "iso8601"),
      (error: unknown) => {
        this.#sqliteFormat = undefined; // ask again next time
        throw error;
      },
    );
    return bindDate("sqlite", instant, await this.#sqliteFormat);
  }
}
