// PostgreSQL: cleanup batches the server runs itself, in one DO block, and the notice that reports
// their outcome.
import type { BatchBudget } from "../connector.js";
import { ConfigError } from "../errors.js";
import { checkPositiveInteger } from "../numbers.js";
import { ASYNC_COMMIT } from "./cleanup.js";
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
 * A batch reads the `limit`-th and the next deadline from the index; when they differ, it deletes
 * the plain range up to the first (no row returned), else it picks `limit` rows by `ctid`, and the
 * next batch starts at that shared deadline (not at the latest deadline deleted: on a partitioned
 * table a `ctid` names a row in each partition, so the batch may also delete expired rows with
 * later deadlines, and starting after those would skip the rows in between). A batch
 * that loses a deadlock runs again (three times at most). The block stops after a short batch
 * (`done`), after `budget.batches` batches, or once `budget.ms` (at most half the role's
 * `statement_timeout`) have passed. It reports its outcome in a notice (`RAISE NOTICE`: it arrives
 * with the block's own reply, through a pooling proxy too, and the server does not log it by
 * default); parse it with {@link parseServerBatchesOutcome}.
 *
 * A DO block takes no parameters: `now` and `from` are inlined, checked to be deadline literals.
 */
export function serverBatchesBlock(
  table: TableName,
  now: string | number,
  limit: number,
  from: string | number | null,
  budget: BatchBudget,
): string {
  const t = quoteTable("postgresql", table);
  const n = checkPositiveInteger(limit);
  const batches = checkPositiveInteger(budget.batches);
  const ms = Math.max(0, Math.floor(budget.ms));
  const deadline = `${t}.expires_at%TYPE`;
  return `DO $prisma_sessions$
DECLARE
  ps_now ${deadline} := ${deadlineLiteral(now)};
  ps_from ${deadline} := ${from === null ? "'-infinity'" : deadlineLiteral(from)};
  ps_last ${deadline};
  ps_next ${deadline};
  ps_found integer;
  ps_affected bigint;
  ps_deleted bigint := 0;
  ps_batches integer := 0;
  ps_retries integer := 0;
  ps_done boolean := false;
  ps_started timestamptz := clock_timestamp();
  -- Never near the role's statement_timeout (0: none), which would cancel the block mid-batch.
  ps_timeout interval := current_setting('statement_timeout')::interval;
  ps_budget interval := CASE WHEN ps_timeout > interval '0' THEN LEAST(interval '${ms} milliseconds', ps_timeout / 2)
    ELSE interval '${ms} milliseconds' END;
BEGIN
  LOOP
    BEGIN
      PERFORM ${ASYNC_COMMIT};
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
    EXCEPTION WHEN deadlock_detected THEN
      ps_retries := ps_retries + 1;
      IF ps_retries > 3 THEN RAISE; END IF;
      CONTINUE;
    END;
    COMMIT;
    ps_deleted := ps_deleted + ps_affected;
    ps_batches := ps_batches + 1;
    ps_from := COALESCE(ps_last, ps_from);
    IF ps_affected < ${n} THEN
      ps_done := true;
      EXIT;
    END IF;
    EXIT WHEN ps_batches >= ${batches} OR clock_timestamp() >= ps_started + ps_budget;
  END LOOP;
  PERFORM set_config('client_min_messages', 'notice', true);
  RAISE NOTICE '${OUTCOME_NOTICE}%', concat_ws(' ', ps_deleted, ps_batches, CASE WHEN ps_done THEN 'done' ELSE 'more' END,
    CASE WHEN isfinite(ps_from) THEN floor(extract(epoch FROM ps_from) * 1000)::bigint END);
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
  /** Where the next block starts: the last deadline reached, to the millisecond, rounded down. */
  from: Date | null;
} {
  const notice = notices.findLast((message) => message.startsWith(OUTCOME_NOTICE)) ?? "";
  const match = /^(\d+) (\d+) (done|more)(?: (-?\d+))?$/.exec(notice.slice(OUTCOME_NOTICE.length));
  if (match === null) throw new Error(`The cleanup block reported no outcome (notices: ${JSON.stringify(notices)})`);
  const [, deleted = "0", batches = "0", done, from] = match;
  return {
    deleted: Number(deleted),
    batches: Number(batches),
    done: done === "done",
    from: from === undefined ? null : new Date(Number(from)),
  };
}
