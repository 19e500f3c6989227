// PostgreSQL: the heap sweep of the server-side cleanup batches (see server-batches.ts): when to
// sweep the heap in physical order instead of walking the deadline index, the sweep's batch, and
// its position in the heap, as the block takes it and reports it.
import type { HeapPosition } from "../connector.js";
import { checkPositiveInteger } from "../numbers.js";

/** Below this many heap pages (1 MiB) the table is walked by its deadline index: it sits in memory either way. */
export const SWEEP_MIN_PAGES = 128;

/**
 * At least this many expired rows (the planner's estimate) per heap page: below it, reading every
 * page costs more than fetching the expired rows' pages through the deadline index.
 */
export const SWEEP_MIN_EXPIRED_PER_PAGE = 0.25;

/**
 * At most this squared correlation between the deadline and the rows' physical order: above it,
 * the index walk reads the heap nearly in order already (a table where sessions expire in the
 * order they were written), and reads only the expired rows' pages.
 */
export const SWEEP_MAX_CORRELATION_SQUARED = 0.5;

/** Variables the sweep adds to the block's DECLARE section. */
export function sweepDeclarations(from: HeapPosition | null): string {
  const position = from === null ? "'(0,0)'" : `'(${integer(from.block)},${integer(from.offset)})'`;
  return `ps_sweep boolean;
  ps_rels oid[];
  ps_i integer := 1;
  ps_rel oid := ${from === null ? 0 : integer(from.relation)};
  ps_tid tid := ${position};
  ps_pick tid[];
  ps_reached tid;
  ps_pages float8;
  ps_expired float8;
  ps_corr float8;
  ps_plan json;`;
}

/**
 * Decides whether the run sweeps the heap (`ps_sweep`) when the block starts a run, and lists the
 * relations to sweep (`ps_rels`: the table, or its partitions, in oid order, from the cursor's).
 * The decision reads statistics only: the heap's size on disk, the planner's estimate of the
 * expired rows, and the deadline's correlation with the physical order (none yet: no sweep).
 */
export function sweepDecision(table: string, from: "none" | "deadline" | "heap"): string {
  // The table itself when it is not partitioned (pg_partition_tree lists none then), else its leaves.
  const leaves = `SELECT r FROM (SELECT relid::oid FROM pg_partition_tree('${table}'::regclass) WHERE isleaf
    UNION SELECT oid FROM pg_class WHERE oid = '${table}'::regclass AND relkind = 'r') AS leaves (r)`;
  if (from === "deadline") return "ps_sweep := false;";
  if (from === "heap") {
    return `ps_sweep := true;
  ps_rels := ARRAY(${leaves} WHERE r >= ps_rel ORDER BY 1);
  -- The cursor's partition is gone: the next one is swept from its start.
  IF ps_rels[1] IS DISTINCT FROM ps_rel THEN ps_tid := '(0,0)'; END IF;`;
  }
  return `ps_rels := ARRAY(${leaves} ORDER BY 1);
  SELECT SUM(pg_relation_size(r::regclass)) / current_setting('block_size')::float8 INTO ps_pages FROM unnest(ps_rels) r;
  SELECT AVG(s.correlation) INTO ps_corr FROM pg_stats s JOIN pg_class c ON c.relname = s.tablename
    JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = s.schemaname
    WHERE c.oid = ANY(ps_rels) AND s.attname = 'expires_at' AND NOT s.inherited;
  EXECUTE format('EXPLAIN (FORMAT JSON) SELECT 1 FROM %s WHERE expires_at <= %L', '${table}'::regclass, ps_now) INTO ps_plan;
  ps_expired := (ps_plan -> 0 -> 'Plan' ->> 'Plan Rows')::float8;
  ps_sweep := COALESCE(ps_pages >= ${SWEEP_MIN_PAGES} AND ps_corr * ps_corr <= ${SWEEP_MAX_CORRELATION_SQUARED}
    AND ps_expired >= ps_pages * ${SWEEP_MIN_EXPIRED_PER_PAGE}, false);`;
}

/**
 * One sweep batch (inside the block's per-batch transaction): the first `limit` expired rows after
 * `ps_tid` in the current relation, read in physical order (a TID range scan), deleted by `ctid`
 * with the deadline checked again. Sets `ps_pick` and `ps_affected`.
 */
export function sweepBatch(limit: number): string {
  const n = checkPositiveInteger(limit);
  return `EXECUTE format('SELECT ARRAY(SELECT ctid FROM %s WHERE ctid > $1 AND expires_at <= $2 LIMIT ${n})', ps_rel::regclass)
          INTO ps_pick USING ps_tid, ps_now;
        EXECUTE format('DELETE FROM %s WHERE ctid = ANY($1) AND expires_at <= $2', ps_rel::regclass) USING ps_pick, ps_now;
        GET DIAGNOSTICS ps_affected = ROW_COUNT;`;
}

/**
 * After a sweep batch: a full batch moves the position to its last row; a short one ends the
 * relation, and the next batch starts the next relation at its first row. A full batch that had to
 * read more pages than the sweep is worth (fewer than {@link SWEEP_MIN_EXPIRED_PER_PAGE} expired
 * rows a page: the expired rows were bunched where the sweep has been) ends the sweep: the rest of
 * the run walks the index.
 */
export function sweepAdvance(limit: number): string {
  const n = checkPositiveInteger(limit);
  return `IF cardinality(ps_pick) < ${n} THEN
        ps_i := ps_i + 1;
        ps_rel := ps_rels[ps_i];
        ps_tid := '(0,0)';
      ELSE
        SELECT MAX(x) INTO ps_reached FROM unnest(ps_pick) x;
        IF (ps_reached::text::point)[0] - (ps_tid::text::point)[0] > ${Math.ceil(n / SWEEP_MIN_EXPIRED_PER_PAGE)} THEN
          ps_i := cardinality(ps_rels) + 1;
        END IF;
        ps_tid := ps_reached;
      END IF;`;
}

/** The sweep's position as the block reports it: `heap:<relation>:<block>:<offset>`. */
export const SWEEP_POSITION = `'heap:' || ps_rel || ':' || (ps_tid::text::point)[0]::bigint || ':' || (ps_tid::text::point)[1]::bigint`;

/** Parses what {@link SWEEP_POSITION} reported, or `null` when it is not a heap position. */
export function parseHeapPosition(text: string): HeapPosition | null {
  const match = /^heap:(\d+):(\d+):(\d+)$/.exec(text);
  if (match === null) return null;
  return { relation: Number(match[1]), block: Number(match[2]), offset: Number(match[3]) };
}

/** A non-negative integer inlined into the block (it takes no parameters). */
function integer(value: number): number {
  return value === 0 ? 0 : checkPositiveInteger(value);
}
