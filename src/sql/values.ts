// Values as the sessions table holds them: how a deadline is bound for comparison with the
// `expires_at` column as Prisma writes it, and read back from any driver.
import type { SqlProvider } from "./provider.js";

/** How SQLite stores Prisma `DateTime`s: the adapter's `timestampFormat`. */
export type SqliteTimestampFormat = "iso8601" | "unixepoch-ms";

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

/** A boolean for a `Boolean` column: PostgreSQL's adapter takes text, MySQL and SQLite store 0/1. */
export function bindBoolean(provider: SqlProvider, value: boolean): string | number {
  if (provider === "postgresql") return String(value);
  return value ? 1 : 0;
}
