// The database server's clock.
import type { SqlProvider, SqlStatement } from "./provider.js";
import { readDate } from "./values.js";

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
