import type { CleanupTarget, ExpiredBatch } from "../connector.js";
import { memoizeUntilFailure } from "../memo.js";
import { isPositiveInteger } from "../numbers.js";
import { countExpiredStatement, deleteBatchStatement } from "../sql/cleanup.js";
import type { SqlProvider } from "../sql/provider.js";
import { placeholders, type SqlStatement } from "../sql/provider.js";
import type { SqlRunner } from "../sql/runner.js";
import { sqliteTimestampProbe, tableSummaryStatement, topUsersStatement } from "../sql/stats.js";
import type { TableName } from "../sql/table-name.js";
import { currentTimeStatement, readCurrentTime } from "../sql/time.js";
import { bindDate, readDate, type SqliteTimestampFormat } from "../sql/values.js";
import type { PgServerBatches } from "./pg-server-batches.js";

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
 * The sessions table through plain SQL (the statements of src/sql): what cleanup needs, one
 * statement per batch, the database's clock, and the statistics of `stats`. It never reads the
 * `data` column, and keeps no state between batches (the cleanup engine holds the cursor).
 */
export class SqlSessionTable implements CleanupTarget {
  readonly #provider: SqlProvider;
  readonly #table: TableName;
  readonly #runner: SqlRunner;
  readonly #sqliteFormat: () => Promise<SqliteTimestampFormat>;

  /** Present on PostgreSQL when server-side batches were given: cleanup then prefers them. */
  readonly deleteExpiredBatches?: CleanupTarget["deleteExpiredBatches"];

  constructor(provider: SqlProvider, table: TableName, runner: SqlRunner, serverBatches?: PgServerBatches) {
    if (serverBatches !== undefined) {
      this.deleteExpiredBatches = (now, limit, budget, from) => serverBatches.run(now, limit, budget, from);
    }
    this.#provider = provider;
    this.#table = table;
    this.#runner = runner;
    this.#sqliteFormat = memoizeUntilFailure(async () => {
      const [row] = await runner.query(sqliteTimestampProbe(table));
      return row?.kind === "integer" ? "unixepoch-ms" : "iso8601";
    });
  }

  async deleteExpiredSessions(now: Date, limit: number, from?: Date | null): Promise<ExpiredBatch> {
    if (!isPositiveInteger(limit)) return { deleted: 0, last: null };
    const start = from === undefined || from === null ? null : await this.#bind(from);
    const statement = deleteBatchStatement(this.#provider, this.#table, await this.#bind(now), limit, start);
    if (statement.counts === "affected")
      return { deleted: await this.#runner.execute(this.#sql(statement)), last: null };
    const [row] = await this.#runner.query(this.#sql(statement));
    return { deleted: Number(row?.deleted ?? 0), last: readDate(row?.last) };
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
    return bindDate("sqlite", instant, await this.#sqliteFormat());
  }
}
