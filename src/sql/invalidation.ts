// PostgreSQL: the trigger that makes the database itself announce every change of a live session
// row (LISTEN/NOTIFY), for the session cache of other processes.
import { placeholders, type SqlStatement } from "./provider.js";
import { quoteTable, type TableName } from "./table-name.js";

/** The default channel name. */
export const INVALIDATION_CHANNEL = "prisma_sessions";

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

function checkChannel(channel: string): string {
  if (!IDENTIFIER.test(channel)) throw new Error(`Invalid channel name "${channel}"`);
  return channel;
}

/**
 * The trigger function and the trigger: after every UPDATE or DELETE of a row,
 * `pg_notify(channel, id)` (inserts need none: caches keep no misses). Deletes of rows that had
 * expired are not announced: caches never serve an expired row, and cleanup deletes millions of
 * them. Idempotent (CREATE OR REPLACE, DROP … IF EXISTS).
 */
export function invalidationTriggerStatements(table: TableName, channel = INVALIDATION_CHANNEL): string[] {
  const t = quoteTable("postgresql", table);
  const name = `${table.table}_notify`.slice(0, 63);
  const fn = table.schema === null ? `"${name}"` : `"${table.schema}"."${name}"`;
  const c = checkChannel(channel);
  return [
    `CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $prisma_sessions$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.expires_at > now() THEN PERFORM pg_notify('${c}', OLD.id); END IF;
    RETURN OLD;
  END IF;
  PERFORM pg_notify('${c}', OLD.id);
  RETURN NEW;
END
$prisma_sessions$`,
    `DROP TRIGGER IF EXISTS "${name}" ON ${t}`,
    `CREATE TRIGGER "${name}" AFTER UPDATE OR DELETE ON ${t} FOR EACH ROW EXECUTE FUNCTION ${fn}()`,
  ];
}

/** One row when the table has the trigger. */
export function invalidationTriggerProbe(table: TableName): SqlStatement {
  return {
    sql: placeholders(
      "postgresql",
      "SELECT 1 AS found FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace" +
        " WHERE t.tgname = ? AND c.relname = ? AND n.nspname = COALESCE(?, current_schema())",
    ),
    args: [`${table.table}_notify`.slice(0, 63), table.table, table.schema],
  };
}

/** Subscribes the connection to the channel. */
export function listenStatement(channel = INVALIDATION_CHANNEL): string {
  return `LISTEN "${checkChannel(channel)}"`;
}

/** Sends `message` on the channel (delivered with the commit, in commit order). */
export function notifyStatement(message: string, channel = INVALIDATION_CHANNEL): SqlStatement {
  return { sql: "SELECT pg_notify($1, $2)", args: [checkChannel(channel), message] };
}
