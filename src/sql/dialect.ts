// Everything that differs between PostgreSQL, MySQL/MariaDB and SQLite in the SQL that cleanup,
// its lock and the command line run: identifier quoting, placeholders, how a deadline is bound,
// the batched delete and the single-runner lock. Callers write `?` placeholders and values in order.
import { ConfigError } from "../errors.js";
import type { SqlProvider } from "../setup/ensure-session-table.js";

/** A table, optionally qualified by its schema (PostgreSQL) or database (MySQL). */
export interface TableName {
  schema: string | null;
  table: string;
}

/** How SQLite stores Prisma `DateTime`s: the adapter's `timestampFormat`. */
export type SqliteTimestampFormat = "iso8601" | "unixepoch-ms";

/** A statement with `?` placeholders (see {@link placeholders}) and its values. */
export interface SqlStatement {
  sql: string;
  args: (string | number | null)[];
}

/** Letters, digits, `_` and `$`, not starting with a digit; 63 characters at most (PostgreSQL's limit). */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

/**
 * Parses `table` or `schema.table`. Only plain identifiers are accepted, so quoting can never be
 * escaped: the name reaches SQL only through {@link quoteTable}.
 */
export function parseTableName(text: string, defaultSchema: string | null = null): TableName {
  const parts = text.split(".");
  if (parts.length > 2 || !parts.every((part) => IDENTIFIER.test(part))) {
    throw new ConfigError(
      `Invalid table name "${text}": use letters, digits, "_" or "$" (not first), optionally "schema.table"`,
    );
  }
  const [first = "", second] = parts;
  if (defaultSchema !== null && !IDENTIFIER.test(defaultSchema)) {
    throw new ConfigError(`Invalid schema name "${defaultSchema}"`);
  }
  return second === undefined ? { schema: defaultSchema, table: first } : { schema: first, table: second };
}

function quoteIdentifier(provider: SqlProvider, name: string): string {
  return provider === "mysql" ? `\`${name}\`` : `"${name}"`;
}

/** The table as SQL: `"schema"."table"` (PostgreSQL, SQLite) or `` `db`.`table` `` (MySQL). */
export function quoteTable(provider: SqlProvider, { schema, table }: TableName): string {
  const quoted = quoteIdentifier(provider, table);
  return schema === null ? quoted : `${quoteIdentifier(provider, schema)}.${quoted}`;
}

/** The table as people read it: `schema.table` or `table`. */
export function displayTable({ schema, table }: TableName): string {
  return schema === null ? table : `${schema}.${table}`;
}

/** `?` → `$1, $2, …` for PostgreSQL. Our statements never hold a literal `?`. */
export function placeholders(provider: SqlProvider, sql: string): string {
  if (provider !== "postgresql") return sql;
  let index = 0;
  return sql.replace(/\?/g, () => `$${++index}`);
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, "0");
}

/**
 * A deadline as the value to compare with the `expires_at` column as Prisma writes it.
 * PostgreSQL: ISO text with an explicit UTC offset (a `timestamp` column ignores the offset, a
 * `timestamptz` one honours it, so both compare in UTC). MySQL: `YYYY-MM-DD HH:MM:SS.mmm` in UTC
 * (MariaDB accepts no offset). SQLite: the text or the epoch milliseconds the adapter stored.
 */
export function bindDate(
  provider: SqlProvider,
  date: Date,
  sqlite: SqliteTimestampFormat = "iso8601",
): string | number {
  const iso = date.toISOString();
  switch (provider) {
    case "postgresql":
      return iso.replace("Z", "+00:00");
    case "mysql":
      return (
        `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
        `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}.` +
        pad(date.getUTCMilliseconds(), 3)
      );
    case "sqlite":
      // Prisma's SQLite adapter writes `2026-01-01T00:00:00.000+00:00`: text compares in order.
      return sqlite === "unixepoch-ms" ? date.getTime() : iso.replace("Z", "+00:00");
  }
}

/** A date-time value as drivers return it: a Date (Prisma), ISO or zone-less text, epoch ms. */
export function readDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  if (typeof value === "number" || typeof value === "bigint") return new Date(Number(value));
  const text = String(value);
  // Zone-less text is UTC, the way Prisma writes it.
  const date = new Date(/Z|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(" ", "T")}Z`);
  return Number.isNaN(date.getTime()) ? null : date;
}

function positiveInteger(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new ConfigError("A limit must be a positive integer");
  return limit;
}

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
  const n = positiveInteger(limit);
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
const ASYNC_COMMIT = "set_config('synchronous_commit', 'off', true)";

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
      ` ORDER BY expires_at LIMIT ${positiveInteger(limit)})) AND expires_at <= ? RETURNING expires_at)` +
      ` SELECT COUNT(*) AS deleted, MAX(expires_at) AS last, ${ASYNC_COMMIT} AS commit_mode FROM gone`,
    args: from === null ? [now, now] : [from, now, now],
    counts: "row",
  };
}

/** The database server's clock, to the millisecond where it has them: `now` (a Date or UTC text). */
export function currentTimeStatement(provider: SqlProvider): SqlStatement {
  const sql = {
    postgresql: "SELECT clock_timestamp() AS now",
    mysql: "SELECT UTC_TIMESTAMP(3) AS now",
    sqlite: "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now') AS now",
  }[provider];
  return { sql, args: [] };
}

/** The `now` column of {@link currentTimeStatement}'s row as a Date. */
export function readCurrentTime(row: Record<string, unknown> | undefined): Date {
  const now = readDate(row?.now);
  if (now === null) throw new Error(`The database did not tell its time (got ${String(row?.now)})`);
  return now;
}

/**
 * Live sessions (rotation markers, whose data is empty, not counted), expired rows and the
 * earliest deadline, in one pass: `live`, `expired`, `oldest`.
 */
export function tableSummaryStatement(provider: SqlProvider, table: TableName, now: string | number): SqlStatement {
  return {
    sql:
      "SELECT COUNT(CASE WHEN expires_at > ? AND data <> '' THEN 1 END) AS live, COUNT(CASE WHEN expires_at <= ? THEN 1 END) AS expired," +
      ` MIN(expires_at) AS oldest FROM ${quoteTable(provider, table)}`,
    args: [now, now],
  };
}

/** How many rows have a deadline at or before `now`: `expired`. */
export function countExpiredStatement(provider: SqlProvider, table: TableName, now: string | number): SqlStatement {
  return { sql: `SELECT COUNT(*) AS expired FROM ${quoteTable(provider, table)} WHERE expires_at <= ?`, args: [now] };
}

/**
 * The owners with the most live sessions: `user_id`, `sessions`. Owners are told apart exactly,
 * as the connector does: MySQL's default collation would merge "Ann" and "ann " into one group.
 */
export function topUsersStatement(
  provider: SqlProvider,
  table: TableName,
  now: string | number,
  limit: number,
): SqlStatement {
  const [owner, group] = provider === "mysql" ? ["MIN(user_id)", "CAST(user_id AS BINARY)"] : ["user_id", "user_id"];
  return {
    sql:
      `SELECT ${owner} AS user_id, COUNT(*) AS sessions FROM ${quoteTable(provider, table)}` +
      ` WHERE user_id IS NOT NULL AND expires_at > ? GROUP BY ${group}` +
      ` ORDER BY sessions DESC, user_id LIMIT ${positiveInteger(limit)}`,
    args: [now],
  };
}

/** How SQLite stores deadlines in this table: `kind` is `integer` for epoch milliseconds. */
export function sqliteTimestampProbe(table: TableName): SqlStatement {
  return { sql: `SELECT typeof(expires_at) AS kind FROM ${quoteTable("sqlite", table)} LIMIT 1`, args: [] };
}

/** The statements of the single-runner lock on one pinned connection; `null` where none is needed. */
export interface LockStatements {
  /** Tries once without waiting; its single value is true/1 when taken. */
  acquire: SqlStatement;
  /** Run before the pinned transaction ends, or `null` when ending it releases the lock. */
  release: SqlStatement | null;
}

/**
 * The lock is keyed by the table it protects, so runners on one table exclude each other (the
 * command line and an in-process schedule included) and runners on different tables do not.
 * PostgreSQL: a transaction-scoped advisory lock (advisory locks are per database; the key hashes
 * `schema.table`, the schema defaulting to the connection's current one). MySQL/MariaDB: a named
 * `GET_LOCK` (per server, so the name hashes `database.table`), released explicitly because it
 * outlives transactions. SQLite: `null`: one writer at a time, and a database file has one host.
 */
export function lockStatements(provider: SqlProvider, { schema, table }: TableName): LockStatements | null {
  switch (provider) {
    case "postgresql":
      return {
        acquire: {
          sql: "SELECT pg_try_advisory_xact_lock(('x' || substr(md5('prisma-sessions cleanup ' || coalesce(?::text, current_schema()) || '.' || ?), 1, 16))::bit(64)::bigint) AS locked",
          args: [schema, table],
        },
        release: null,
      };
    case "mysql": {
      const name = "CONCAT('prisma-sessions:', SHA1(CONCAT(IFNULL(?, DATABASE()), '.', ?)))";
      return {
        acquire: { sql: `SELECT GET_LOCK(${name}, 0) AS locked`, args: [schema, table] },
        release: { sql: `SELECT RELEASE_LOCK(${name}) AS released`, args: [schema, table] },
      };
    }
    case "sqlite":
      return null;
  }
}

/** Whether a lock query's single value means "taken" (pg: `true`; MySQL: `1`, as number, bigint or text). */
export function isTaken(value: unknown): boolean {
  return value === true || value === 1 || value === 1n || value === "1";
}

/** How many batches one server-side run of {@link serverBatchesBlock} may take, and for how long. */
export interface BatchBudget {
  batches: number;
  ms: number;
}

/** How the notice with the outcome of {@link serverBatchesBlock} starts. */
const OUTCOME_NOTICE = "prisma-sessions cleanup: ";

/** Deadline literals inlined into a DO block: only what bindDate writes (digits, `-:.T+`). */
const DEADLINE_LITERAL = /^[0-9T:.+-]+$/;

function deadlineLiteral(value: string | number): string {
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
 * the plain range up to the first (no row returned), else it picks `limit` rows by `ctid`. A batch
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
  const n = positiveInteger(limit);
  const batches = positiveInteger(budget.batches);
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
          AND expires_at <= ps_now ORDER BY expires_at LIMIT ${n})) AND expires_at <= ps_now RETURNING expires_at)
        SELECT COUNT(*), MAX(expires_at) INTO ps_affected, ps_last FROM gone;
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
