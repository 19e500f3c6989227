import type { BatchBudget, BatchCursor, BatchRun } from "../connector.js";
import { memoizeUntilFailure } from "../memo.js";
import { isPositiveInteger } from "../numbers.js";
import { dropExpiredPartitionsBlock, parseDroppedPartitions, partitionedProbe } from "../sql/partitions.js";
import type { SqlRunner } from "../sql/runner.js";
import { columnProbe, parseServerBatchesOutcome, serverBatchesBlock } from "../sql/server-batches.js";
import type { TableName } from "../sql/table-name.js";
import { bindDate } from "../sql/values.js";

/** A pooled connection of its own, outside any transaction: a statement runs as a top-level command. */
export interface SqlSession {
  /** Runs SQL without parameters; resolves to the messages of the notices it raised. */
  run(sql: string): Promise<string[]>;
  /** Gives the connection back to its pool; with the error that broke it, the pool drops it. */
  release(error?: Error): void;
}

/** The part of a `pg` Pool the server-side batches use, declared structurally. */
export interface PgPool {
  connect(): Promise<PgPoolClient>;
}

/** The part of a `pg` PoolClient the server-side batches use. */
export interface PgPoolClient {
  query(sql: string): Promise<unknown>;
  on(event: "notice", listener: (notice: { message?: string | undefined }) => void): unknown;
  removeListener(event: "notice", listener: (notice: { message?: string | undefined }) => void): unknown;
  release(error?: Error): void;
}

/** Sessions on the connections of a `pg` Pool, collecting each statement's notices. */
export function pgPoolSessions(pool: PgPool): () => Promise<SqlSession> {
  return async () => {
    const client = await pool.connect();
    return {
      run: async (sql) => {
        const notices: string[] = [];
        const listener = (notice: { message?: string | undefined }) => notices.push(String(notice.message));
        client.on("notice", listener);
        try {
          // No parameters: the simple protocol, where a DO block may commit.
          await client.query(sql);
          return notices;
        } finally {
          client.removeListener("notice", listener);
        }
      },
      release: (error) => client.release(error),
    };
  };
}

/**
 * PostgreSQL: cleanup batches run by the server itself, many in one call (see
 * serverBatchesBlock), on a connection of its own outside any transaction. A {@link SqlSessionTable}
 * given these offers `deleteExpiredBatches`, which the cleanup engine prefers. On a partitioned
 * table (prisma/postgresql-partitioned), a run first drops the partitions that hold no live row
 * (each counts as one batch), then deletes the rest in batches: through the parent table's
 * deadline index, or sweeping each remaining partition's heap.
 */
export class PgServerBatches {
  readonly #table: TableName;
  readonly #session: () => Promise<SqlSession>;
  /** The table and column exist (checked once, so a missing table gets the driver's own error). */
  readonly #found: () => Promise<unknown>;
  readonly #partitioned: () => Promise<boolean>;

  constructor(table: TableName, runner: SqlRunner, session: () => Promise<SqlSession>) {
    this.#table = table;
    this.#session = session;
    this.#found = memoizeUntilFailure(() => runner.query(columnProbe(table)));
    this.#partitioned = memoizeUntilFailure(
      async () => (await runner.query(partitionedProbe(table)))[0]?.partitioned === true,
    );
  }

  async run(now: Date, limit: number, budget: BatchBudget, from: BatchCursor | null): Promise<BatchRun> {
    if (!isPositiveInteger(limit)) return { deleted: 0, batches: 0, done: true, from: null };
    // The block declares its variables with the column's type (`%TYPE`): on a missing table that
    // would read as a syntax error, so ask the way every other statement does first.
    await this.#found();
    const at = bindDate("postgresql", now);
    // A run starts with from = null: drop the partitions with no live row before any batch.
    const dropped =
      from === null && (await this.#partitioned())
        ? parseDroppedPartitions(await this.#block(dropExpiredPartitionsBlock(this.#table, at)))
        : { deleted: 0, partitions: 0 };
    const start = from instanceof Date ? bindDate("postgresql", from) : from;
    const outcome = parseServerBatchesOutcome(
      await this.#block(serverBatchesBlock(this.#table, at, limit, start, budget)),
    );
    return {
      ...outcome,
      deleted: outcome.deleted + dropped.deleted,
      batches: outcome.batches + dropped.partitions,
    };
  }

  /** Runs a DO block on a session of its own; resolves to its notices. */
  async #block(sql: string): Promise<string[]> {
    const session = await this.#session();
    try {
      const notices = await session.run(sql);
      session.release();
      return notices;
    } catch (error) {
      session.release(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
  }
}
