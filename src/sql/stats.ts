// What `prisma-sessions stats` reads, and how SQLite stores this table's deadlines.
import { checkPositiveInteger } from "../numbers.js";
import type { SqlProvider, SqlStatement } from "./provider.js";
import { quoteTable, type TableName } from "./table-name.js";

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
      ` WHERE user_id IS NOT NULL AND expires_at > ? AND data <> '' GROUP BY ${group}` +
      ` ORDER BY sessions DESC, user_id LIMIT ${checkPositiveInteger(limit)}`,
    args: [now],
  };
}

/** How SQLite stores deadlines in this table: `kind` is `integer` for epoch milliseconds. */
export function sqliteTimestampProbe(table: TableName): SqlStatement {
  return { sql: `SELECT typeof(expires_at) AS kind FROM ${quoteTable("sqlite", table)} LIMIT 1`, args: [] };
}
