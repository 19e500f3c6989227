import type { SessionSummary, StoredSession } from "../connector.js";
import { readDate } from "./values.js";

// Rows of the sessions table as raw SQL returns them (snake_case columns, driver-specific dates
// and booleans) turned into the connector contract's types.

export function text(value: unknown): string {
  if (typeof value !== "string") throw new TypeError(`expected text from the database, got ${typeof value}`);
  return value;
}

function date(value: unknown): Date {
  const result = readDate(value);
  if (result === null) throw new TypeError(`expected a date-time from the database, got ${String(value)}`);
  return result;
}

/** Every column but `data`. Booleans arrive as `true` (PostgreSQL) or `1` (MySQL, SQLite). */
export function toSummary(row: Record<string, unknown>): SessionSummary {
  return {
    id: text(row.id),
    userId: row.user_id === null ? null : text(row.user_id),
    version: Number(row.version),
    expiresAt: date(row.expires_at),
    absoluteExpiresAt: date(row.absolute_expires_at),
    browserSession: row.browser_session === true || Number(row.browser_session) === 1,
    createdAt: date(row.created_at),
    updatedAt: date(row.updated_at),
    userAgent: row.user_agent === null || row.user_agent === undefined ? null : text(row.user_agent),
    clientAddress: row.client_address === null || row.client_address === undefined ? null : text(row.client_address),
  };
}

export function storedSession(row: Record<string, unknown>): StoredSession {
  return { ...toSummary(row), data: text(row.data) };
}
