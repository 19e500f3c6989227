// PostgreSQL: cleanup batches the server runs itself, in one DO block, and the notice that reports
// their outcome.
import type { BatchBudget, BatchCursor, HeapPosition } from "../connector.js";
import { ConfigError } from "../errors.js";
import { checkPositiveInteger } from "../numbers.js";
import { ASYNC_COMMIT } from "./cleanup.js";
import {
  parseHeapPosition,
  SWEEP_POSITION,
  sweepAdvance,
  sweepBatch,
  sweepDecision,
  sweepDeclarations,
} from "./heap-sweep.js";
import type { SqlStatement } from "./provider.js";
import { quoteTable, type TableName } from "./table-name.js";

/** How the notice with the outcome of {@link serverBatchesBlock} starts. */
const OUTCOME_NOTICE = "prisma-sessions cleanup: ";

/** Deadline literals inlined into a DO block: only what bindDate writes (digits, `-:.T+`). */
const DEADLINE_LITERAL = /^[0-9T:.+-]+$/;

/** A deadline as a quoted SQL literal, checked to be one (a DO block takes no parameters). */
export function deadlineLiteral(value: string | number): string {
  const text = String(value);
  if (!DEADLINE_LITERAL.test(text)) throw new ConfigError(`Not a deadline: ${text}`);
  return `'${text}'`;
}

/**
 * PostgreSQL: cleanup batches run by the server itself, in one anonymous code block (`DO`): each
 * batch is its own transaction (COMMIT between batches, committed asynchronously), bounded by
 * `limit` rows, and re-checks the deadline on the row it deletes, exactly as the batches the client
 * sends one by one; what goes away is a round trip, a parse and a plan per batch, which cost a
 * batched cleanup half the speed of a single unbounded DELETE.
 *
 * The batches find their rows one of two ways, chosen when a run starts (`from` null) from the
 * table's statistics (see heap-sweep.ts):
 *
 * - **The deadline index**, oldest first. A batch reads the `limit`-th and the next deadline from
 *   the index; when they differ, it deletes the plain range up to the first (no row returned), else
 *   it picks `limit` rows by `ctid`, and the next batch starts at that shared deadline (not at the
 *   latest deadline deleted: on a partitioned table a `ctid` names a row in each partition, so the
 *   batch may also delete expired rows with later deadlines, and starting after those would skip
 *   the rows in between). Each row deleted costs a visit to its heap page, wherever it is.
 * - **A sweep of the heap** in physical order, when many expired rows are scattered over a large
 *   heap (years of sliding touches leave deadlines in no order on disk): each batch reads on from
 *   where the last one stopped until it has `limit` expired rows, one relation (the table, or each
 *   partition) after the other, as one plain DELETE reads the table. Once every relation is swept,
 *   the run goes on through the index from the oldest deadline, which finds what a write moved
 *   behind the sweep while it ran.
 *
 * A batch that loses a deadlock runs again (three times at most). The block stops after a short
 * batch of the index walk (`done`), after `budget.batches` batches, or once `budget.ms` (at most
 * half the role's `statement_timeout`) have passed. It reports its outcome in a notice (`RAISE
 * NOTICE`: it arrives with the block's own reply, through a pooling proxy too, and the server does
 * not log it by default); parse it with {@link parseServerBatchesOutcome}.
 *
 * A DO block takes no parameters: `now` and `from` are inlined, checked to be deadline literals or
 * integers.
 */
export function serverBatchesBlock(
  table: TableName,
  now: string | number,
  limit: number,
  from: string | number | HeapPosition | null,
  budget: BatchBudget,
): string {
  const t = quoteTable("postgresql", table);
  const n = checkPositiveInteger(limit);
  const batches = checkPositiveInteger(budget.batches);
  const ms = Math.max(0, Math.floor(budget.ms));
  const deadline = `${t}.expires_at%TYPE`;
  const heap = from !== null && typeof from === "object" ? from : null;
  const start = from === null || typeof from === "object" ? "'-infinity'" : deadlineLiteral(from);
  // Every relation swept: the index walk from the oldest expired deadline finds what a write moved
  // behind the sweep while it ran.
  const sweepEnd = `IF ps_sweep AND ps_i > cardinality(ps_rels) THEN
      ps_sweep := false;
      SELECT MIN(expires_at) INTO ps_from FROM ${t} WHERE expires_at <= ps_now;
      IF ps_from IS NULL THEN
        ps_done := true;
        EXIT;
      END IF;
    END IF;`;
  return `DO $prisma_sessions$
DECLARE
  ps_now ${deadline} := ${deadlineLiteral(now)};
  ps_from ${deadline} := ${start};
  ps_last ${deadline};
  ps_next ${deadline};
  ps_found integer;
  ps_affected bigint;
  ps_deleted bigint := 0;
  ps_batches integer := 0;
  ps_retries integer := 0;
  ps_done boolean := false;
  ${sweepDeclarations(heap)}
  ps_started timestamptz := clock_timestamp();
  -- Never near the role's statement_timeout (0: none), which would cancel the block mid-batch.
  ps_timeout interval := current_setting('statement_timeout')::interval;
  ps_budget interval := CASE WHEN ps_timeout > interval '0' THEN LEAST(interval '${ms} milliseconds', ps_timeout / 2)
    ELSE interval '${ms} milliseconds' END;
BEGIN
  ${sweepDecision(t, heap !== null ? "heap" : from === null ? "none" : "deadline")}
  LOOP
    ${sweepEnd}
    BEGIN
      PERFORM ${ASYNC_COMMIT};
      IF ps_sweep THEN
        ps_rel := ps_rels[ps_i];
        ${sweepBatch(n)}
      ELSE
        SELECT MIN(e), MAX(e), COUNT(*) INTO ps_last, ps_next, ps_found FROM (SELECT expires_at AS e FROM ${t}
          WHERE expires_at >= ps_from AND expires_at <= ps_now ORDER BY expires_at LIMIT 2 OFFSET ${n - 1}) AS cut;
        IF ps_found = 2 AND ps_last = ps_next THEN
          WITH gone AS (DELETE FROM ${t} WHERE ctid = ANY(ARRAY(SELECT ctid FROM ${t} WHERE expires_at >= ps_from
            AND expires_at <= ps_now ORDER BY expires_at LIMIT ${n})) AND expires_at <= ps_now RETURNING 1)
          SELECT COUNT(*) INTO ps_affected FROM gone;
        ELSE
          DELETE FROM ${t} WHERE expires_at >= ps_from AND expires_at <= COALESCE(ps_last, ps_now) AND expires_at <= ps_now;
          GET DIAGNOSTICS ps_affected = ROW_COUNT;
        END IF;
      END IF;
    EXCEPTION WHEN deadlock_detected THEN
      ps_retries := ps_retries + 1;
      IF ps_retries > 3 THEN RAISE; END IF;
      CONTINUE;
    END;
    COMMIT;
    ps_deleted := ps_deleted + ps_affected;
    ps_batches := ps_batches + 1;
    IF ps_sweep THEN
      ${sweepAdvance(n)}
      ${sweepEnd}
    ELSE
      ps_from := COALESCE(ps_last, ps_from);
      IF ps_affected < ${n} THEN
        ps_done := true;
        EXIT;
      END IF;
    END IF;
    EXIT WHEN ps_batches >= ${batches} OR clock_timestamp() >= ps_started + ps_budget;
  END LOOP;
  PERFORM set_config('client_min_messages', 'notice', true);
  RAISE NOTICE '${OUTCOME_NOTICE}%', concat_ws(' ', ps_deleted, ps_batches, CASE WHEN ps_done THEN 'done' ELSE 'more' END,
    CASE WHEN ps_sweep THEN ${SWEEP_POSITION}
      WHEN isfinite(ps_from) THEN floor(extract(epoch FROM ps_from) * 1000)::bigint::text END);
END
$prisma_sessions$`;
}

/** Selects the deadline column of no row: fails the way any statement does when the table or column is missing. */
export function columnProbe(table: TableName): SqlStatement {
  return { sql: `SELECT expires_at FROM ${quoteTable("postgresql", table)} WHERE false`, args: [] };
}

/** Finds and parses the outcome among the notices a {@link serverBatchesBlock} raised. */
export function parseServerBatchesOutcome(notices: readonly string[]): {
  deleted: number;
  batches: number;
  done: boolean;
  /**
   * Where the next block starts: the last deadline reached (to the millisecond, rounded down), or
   * the sweep's position in the heap.
   */
  from: BatchCursor | null;
} {
  const notice = notices.findLast((message) => message.startsWith(OUTCOME_NOTICE)) ?? "";
  const match = /^(\d+) (\d+) (done|more)(?: (-?\d+|heap:[\d:]+))?$/.exec(notice.slice(OUTCOME_NOTICE.length));
  if (match === null) throw new Error(`The cleanup block reported no outcome (notices: ${JSON.stringify(notices)})`);
  const [, deleted = "0", batches = "0", done, from] = match;
  return {
    deleted: Number(deleted),
    batches: Number(batches),
    done: done === "done",
    from: from === undefined ? null : (parseHeapPosition(from) ?? new Date(Number(from))),
  };
}
