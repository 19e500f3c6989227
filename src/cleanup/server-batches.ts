import {
  type BatchBudget,
  bindDate,
  columnProbe,
  parseServerBatchesOutcome,
  serverBatchesBlock,
  serverBatchesResult,
  type TableName,
} from "../sql/dialect.js";
import type { BatchRun } from "./cleanup.js";
import { type SqlRunner, SqlSessionTable } from "./sql-session-table.js";

/** A pooled connection of its own, outside any transaction: a statement runs as a top-level command. */
export interface SqlSession {
  /** Runs SQL without parameters; rows as column → value records. */
  run(sql: string): Promise<Record<string, unknown>[]>;
  /** Gives the connection back to its pool. */
  release(): void;
}

/**
 * The sessions table on PostgreSQL with a connection the command line owns: besides the batches
 * of {@link SqlSessionTable}, it lets the server run many batches in one call
 * (`deleteExpiredBatches`, see serverBatchesBlock), which the cleanup loop prefers.
 */
export class PostgresSessionTable extends SqlSessionTable {
  readonly #table: TableName;
  readonly #session: () => Promise<SqlSession>;
  readonly #runner: SqlRunner;
  /** The table and column exist (checked once, so a missing table gets the driver's own error). */
  #found: Promise<unknown> | undefined;

  constructor(table: TableName, runner: SqlRunner, session: () => Promise<SqlSession>) {
    super("postgresql", table, runner);
    this.#table = table;
    this.#session = session;
    this.#runner = runner;
  }

  async deleteExpiredBatches(now: Date, limit: number, budget: BatchBudget, from: Date | null): Promise<BatchRun> {
    if (!Number.isSafeInteger(limit) || limit < 1) return { deleted: 0, batches: 0, done: true, from: null };
    // The block declares its variables with the column's type (`%TYPE`): on a missing table that
    // would read as a syntax error, so ask the way every other statement does first.
    this.#found ??= this.#runner.query(columnProbe(this.#table)).catch((error: unknown) => {
      this.#found = undefined;
      throw error;
    });
    await this.#found;
    const start = from === null ? null : bindDate("postgresql", from);
    const block = serverBatchesBlock(this.#table, bindDate("postgresql", now), limit, start, budget);
    const session = await this.#session();
    let outcome: ReturnType<typeof parseServerBatchesOutcome>;
    try {
      await session.run(block);
      // The block leaves its outcome in a setting of this connection: read it before letting go.
      const [row] = await session.run(serverBatchesResult.sql);
      outcome = parseServerBatchesOutcome(row?.outcome);
    } finally {
      session.release();
    }
    return outcome;
  }
}
