// Rows, writes and times the conformance cases build, and stored rows read back.
import { randomBytes } from "node:crypto";
import type { SessionSummary, SessionWrite, StoredSession } from "../connector.js";
import type { RawColumn, RawRow } from "./conformance-types.js";

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const CONCURRENCY = 20;

// Timing convention that keeps the cases independent of each other's rows: every row a case leaves
// behind expires at least two days after that case started. Only the deleteExpiredSessions cases
// use earlier deadlines (`now + 1 day` is their "now"), and they remove every row they create.

export function newId(): string {
  return randomBytes(32).toString("hex");
}

export function shift(date: Date, ms: number): Date {
  return new Date(date.getTime() + ms);
}

/** A copy of `date` with a non-zero millisecond part, so a connector that drops milliseconds fails. */
export function withMillis(date: Date, ms: number): Date {
  const copy = new Date(date);
  copy.setUTCMilliseconds(ms);
  return copy;
}

/** A valid row: JSON data, version 1, no user, deadlines 30 and 60 days away. */
export function makeRow(overrides: Partial<StoredSession> = {}): StoredSession {
  const now = new Date();
  return {
    id: newId(),
    data: JSON.stringify({ cart: ["apple"], visits: 1 }),
    userId: null,
    version: 1,
    expiresAt: shift(now, 30 * DAY),
    absoluteExpiresAt: shift(now, 60 * DAY),
    browserSession: false,
    createdAt: now,
    updatedAt: now,
    userAgent: null,
    clientAddress: null,
    ...overrides,
  };
}

/** A write that changes every column of a {@link makeRow} row. */
export function makeWrite(overrides: Partial<SessionWrite> = {}): SessionWrite {
  const now = new Date();
  return {
    data: JSON.stringify({ cart: ["apple", "pear"], visits: 2 }),
    userId: `user-${newId()}`,
    expiresAt: withMillis(shift(now, 40 * DAY), 321),
    absoluteExpiresAt: withMillis(shift(now, 70 * DAY), 654),
    browserSession: true,
    updatedAt: withMillis(shift(now, MINUTE), 987),
    userAgent: "Mozilla/5.0 (X11; Linux x86_64) conformance",
    clientAddress: "192.0.2.0",
    ...overrides,
  };
}

export function summaryOf({ data: _data, ...rest }: StoredSession): SessionSummary {
  return rest;
}

function column(raw: RawRow, name: RawColumn): unknown {
  if (!(name in raw)) throw new TypeError(`readRow() returned no "${name}" column`);
  return raw[name];
}

function unreadable(name: RawColumn, value: unknown, as: string): TypeError {
  return new TypeError(`column "${name}": cannot read ${String(value)} as ${as}`);
}

function toText(raw: RawRow, name: RawColumn): string {
  const value = column(raw, name);
  if (typeof value !== "string") throw unreadable(name, value, "text");
  return value;
}

function toInteger(raw: RawRow, name: RawColumn): number {
  const value = column(raw, name);
  const number = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof number === "bigint") return Number(number);
  if (typeof number !== "number" || !Number.isInteger(number)) throw unreadable(name, value, "an integer");
  return number;
}

function toBoolean(raw: RawRow, name: RawColumn): boolean {
  const value = column(raw, name);
  if (typeof value === "boolean") return value;
  if (value === 1 || value === 1n || value === "1" || value === "true") return true;
  if (value === 0 || value === 0n || value === "0" || value === "false") return false;
  throw unreadable(name, value, "a boolean");
}

function toDate(raw: RawRow, name: RawColumn): Date {
  const value = column(raw, name);
  let date: Date | undefined;
  if (value instanceof Date) date = value;
  else if (typeof value === "number" || typeof value === "bigint") date = new Date(Number(value));
  else if (typeof value === "string") {
    // Text without a zone (SQLite, MySQL) holds UTC: Prisma writes UTC.
    const iso = value.replace(" ", "T");
    date = /^\d+$/.test(value) ? new Date(Number(value)) : new Date(/Z|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
  }
  if (date === undefined || Number.isNaN(date.getTime())) throw unreadable(name, value, "a date");
  return date;
}

/** The row in the connector's terms, each column normalised from whatever the driver returned. */
export function fromRawRow(raw: RawRow): StoredSession {
  const userId = column(raw, "user_id");
  const userAgent = column(raw, "user_agent");
  const clientAddress = column(raw, "client_address");
  return {
    id: toText(raw, "id"),
    data: toText(raw, "data"),
    userId: userId === null ? null : toText(raw, "user_id"),
    version: toInteger(raw, "version"),
    expiresAt: toDate(raw, "expires_at"),
    absoluteExpiresAt: toDate(raw, "absolute_expires_at"),
    browserSession: toBoolean(raw, "browser_session"),
    createdAt: toDate(raw, "created_at"),
    updatedAt: toDate(raw, "updated_at"),
    userAgent: userAgent === null ? null : toText(raw, "user_agent"),
    clientAddress: clientAddress === null ? null : toText(raw, "client_address"),
  };
}

/**
 * Registers the connector conformance suite: one `describe` per method of {@link SessionConnector},
 * each `it` stating a rule of the contract (not-found answers, compare-and-swap, key rotation,
 * conditional touch, idempotent destroy, listings, bounded cleanup, concurrent writers).
 *
 * Call it at the top level of a Jest test file. The cases run in order against the one target that
 * `setup` returns; each creates rows under fresh random ids and leaves only rows that expire two or
 * more days later. The store should start empty (or hold only such rows) and nothing else should
 * write to it during the run: the cleanup cases count what they delete, `countRows` is compared
 * before and after a step.
 *
 * @example
 * // test/my-connector.conformance.test.ts
 * import { describeConnectorConformance } from "prisma-sessions/testing";
 *
 * describeConnectorConformance("MyConnector on PostgreSQL", async () => {
 *   const pool = new pg.Pool({ connectionString: process.env.TEST_DATABASE_URL });
 *   return {
 *     connector: new MyConnector(pool),
 *     inspect: {
 *       readRow: async (id) => (await pool.query("SELECT * FROM sessions WHERE id = $1", [id])).rows[0] ?? null,
 *       countRows: async () => Number((await pool.query("SELECT COUNT(*) AS n FROM sessions")).rows[0].n),
 *     },
 *     close: () => pool.end(),
 *   };
 * });
 */
