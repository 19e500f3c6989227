// PostgreSQL, the partitioned layout (prisma/postgresql-partitioned): dropping whole partitions
// that hold no live session, in one DO block, and the notice that reports what it dropped.

import type { SqlStatement } from "./provider.js";
import { deadlineLiteral } from "./server-batches.js";
import { quoteTable, type TableName } from "./table-name.js";

/** How the notice with the outcome of {@link dropExpiredPartitionsBlock} starts. */
const DROP_NOTICE = "prisma-sessions partitions: ";

/** Whether the table is partitioned (`partitioned` true), asked once per cleanup target. */
export function partitionedProbe(table: TableName): SqlStatement {
  return {
    sql: `SELECT relkind = 'p' AS partitioned FROM pg_class WHERE oid = '${quoteTable("postgresql", table)}'::regclass`,
    args: [],
  };
}

/**
 * Drops every partition of a range-partitioned sessions table whose range ends at or before `now`
 * and that holds no row with a deadline after `now` (its newest deadline is one index probe). The
 * default partition is never dropped. Each drop is its own transaction: it takes the parent's
 * ACCESS EXCLUSIVE lock (waiting at most `lockTimeoutMs`: a partition whose lock is not granted in
 * time is left to the batches), checks again under the lock that no write made a row live
 * meanwhile, then drops. The rows counted before the lock are reported as deleted (a session
 * destroyed between the count and the drop is counted too). Reports `<rows> <partitions>` in a
 * notice; parse it with {@link parseDroppedPartitions}.
 */
export function dropExpiredPartitionsBlock(table: TableName, now: string | number, lockTimeoutMs = 500): string {
  const t = quoteTable("postgresql", table);
  return `DO $prisma_sessions$
DECLARE
  ps_now timestamp := ${deadlineLiteral(now)};
  ps_part regclass;
  ps_bound text;
  ps_upper timestamp;
  ps_live boolean;
  ps_rows bigint;
  ps_dropped bigint := 0;
  ps_parts integer := 0;
BEGIN
  FOR ps_part, ps_bound IN SELECT c.oid::regclass, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i
      JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = '${t}'::regclass ORDER BY 2 LOOP
    ps_upper := substring(ps_bound FROM 'TO \\(''([^'']+)''\\)')::timestamp;
    CONTINUE WHEN ps_upper IS NULL OR ps_upper > ps_now;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s WHERE expires_at > $1)', ps_part) INTO ps_live USING ps_now;
    CONTINUE WHEN ps_live;
    EXECUTE format('SELECT COUNT(*) FROM %s', ps_part) INTO ps_rows;
    BEGIN
      PERFORM set_config('lock_timeout', '${Math.max(1, Math.floor(lockTimeoutMs))}ms', true);
      LOCK TABLE ${t} IN ACCESS EXCLUSIVE MODE;
      EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s WHERE expires_at > $1)', ps_part) INTO ps_live USING ps_now;
      IF NOT ps_live THEN
        EXECUTE format('DROP TABLE %s', ps_part);
        ps_dropped := ps_dropped + ps_rows;
        ps_parts := ps_parts + 1;
      END IF;
    EXCEPTION WHEN lock_not_available THEN
      NULL;
    END;
    COMMIT;
  END LOOP;
  PERFORM set_config('client_min_messages', 'notice', true);
  RAISE NOTICE '${DROP_NOTICE}% %', ps_dropped, ps_parts;
END
$prisma_sessions$`;
}

/** The rows and partitions a {@link dropExpiredPartitionsBlock} dropped, from its notices. */
export function parseDroppedPartitions(notices: readonly string[]): { deleted: number; partitions: number } {
  const notice = notices.findLast((message) => message.startsWith(DROP_NOTICE)) ?? "";
  const match = /^(\d+) (\d+)$/.exec(notice.slice(DROP_NOTICE.length));
  if (match === null) throw new Error(`The partition block reported no outcome (notices: ${JSON.stringify(notices)})`);
  return { deleted: Number(match[1]), partitions: Number(match[2]) };
}
