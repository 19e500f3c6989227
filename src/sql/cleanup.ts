// The statements of a cleanup batch and of a dry run.
import { checkPositiveInteger } from "../numbers.js";
import type { SqlProvider, SqlStatement } from "./provider.js";
import { quoteTable, type TableName } from "./table-name.js";

/**
 * Deletes at most `limit` rows whose deadline is at or before `now`, oldest deadline first (an
 * index range scan: the cost follows the expired rows, not the table), in one statement that
 * re-checks the deadline on the row it deletes, so a session extended meanwhile survives (a
 * concurrent update makes the delete wait, then judge the updated row). Returns the affected rows.
 *
 * PostgreSQL: rows are picked by `ctid` (with `id IN (…)` the planner may hash-join a scan of the
 * whole table) without a FOR UPDATE lock first (it cost a third of the speed; a second runner that
 * waits finds the rows gone and stops). MySQL/MariaDB: DELETE … ORDER BY … LIMIT (purge removes
 * dead index entries in the background). SQLite: no LIMIT on DELETE by default, one writer at a
 * time, and deleted index entries are gone at once.
 */
export function deleteExpiredStatement(
  provider: SqlProvider,
  table: TableName,
  now: string | number,
  limit: number,
): SqlStatement {
  const t = quoteTable(provider, table);
  // A validated integer, inlined: drivers disagree on binding LIMIT values.
  const n = checkPositiveInteger(limit);
  switch (provider) {
    case "postgresql":
      return {
        sql:
          `DELETE FROM ${t} WHERE ctid = ANY(ARRAY(SELECT ctid FROM ${t} WHERE expires_at <= ?` +
          ` ORDER BY expires_at LIMIT ${n})) AND expires_at <= ?`,
        args: [now, now],
      };
    case "mysql":
      return { sql: `DELETE FROM ${t} WHERE expires_at <= ? ORDER BY expires_at LIMIT ${n}`, args: [now] };
    case "sqlite":
      return {
        sql: `DELETE FROM ${t} WHERE id IN (SELECT id FROM ${t} WHERE expires_at <= ? ORDER BY expires_at LIMIT ${n}) AND expires_at <= ?`,
        args: [now, now],
      };
  }
}

/** Turns `synchronous_commit` off for the current transaction only (see deleteBatchStatement). */
export const ASYNC_COMMIT = "set_config('synchronous_commit', 'off', true)";

/** One batch of a cleanup run: `affected` statements report the row count; `row` ones return `deleted` and `last`. */
export interface BatchStatement extends SqlStatement {
  counts: "affected" | "row";
}

/**
 * A batch of a cleanup run: {@link deleteExpiredStatement}, and on PostgreSQL two more things.
 * Deleted rows leave dead index entries until vacuum, which every later batch would walk again
 * from the start of the index (a 1,000,000-row run took three times as long): the statement
 * returns the last deadline it deleted (`last`), and the next batch of the run starts there
 * (`from`). And each batch commits asynchronously (`synchronous_commit` off for its own
 * transaction only, so it works through PgBouncer too): a crash may forget the last batches, which
 * the next run deletes again, and not waiting for a disk flush per batch is a fifth faster.
 */
export function deleteBatchStatement(
  provider: SqlProvider,
  table: TableName,
  now: string | number,
  limit: number,
  from: string | number | null,
): BatchStatement {
  if (provider !== "postgresql") return { ...deleteExpiredStatement(provider, table, now, limit), counts: "affected" };
  const t = quoteTable(provider, table);
  const start = from === null ? "" : "expires_at >= ? AND ";
  return {
    sql:
      `WITH gone AS (DELETE FROM ${t} WHERE ctid = ANY(ARRAY(SELECT ctid FROM ${t} WHERE ${start}expires_at <= ?` +
      ` ORDER BY expires_at LIMIT ${checkPositiveInteger(limit)})) AND expires_at <= ? RETURNING expires_at)` +
      ` SELECT COUNT(*) AS deleted, MAX(expires_at) AS last, ${ASYNC_COMMIT} AS commit_mode FROM gone`,
    args: from === null ? [now, now] : [from, now, now],
    counts: "row",
  };
}

/** How many rows have a deadline at or before `now`: `expired`. */
export function countExpiredStatement(provider: SqlProvider, table: TableName, now: string | number): SqlStatement {
  return { sql: `SELECT COUNT(*) AS expired FROM ${quoteTable(provider, table)} WHERE expires_at <= ?`, args: [now] };
}
