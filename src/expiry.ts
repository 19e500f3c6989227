import { add } from "date-fns";
import type { Duration } from "./duration.js";
import { SessionError } from "./errors.js";

/**
 * What `setExpiry()` accepts: seconds from now (`0` = until the browser closes), a `Date`, a
 * date-fns `Duration` from now, or `null`/`undefined` for the default idle/absolute policy.
 */
export type ExpiryInput = number | Date | Duration | null | undefined;

/** The default lifetime policy, both limits measured with date-fns durations. */
export interface ExpiryPolicy {
  idleTimeout: Duration;
  absoluteTimeout: Duration;
}

/** A parsed `setExpiry()` value. */
export type ExpiryChoice = { kind: "default" } | { kind: "browser" } | { kind: "at"; at: Date };

/** The three expiry columns of a row. */
export interface Deadlines {
  expiresAt: Date;
  absoluteExpiresAt: Date;
  browserSession: boolean;
}

const DURATION_UNITS = new Set(["years", "months", "weeks", "days", "hours", "minutes", "seconds"]);

function invalid(value: unknown, why: string): SessionError {
  return new SessionError(`Invalid expiry ${String(value)}: ${why}`, "INVALID_EXPIRY");
}

/** Validates a date-fns `Duration`: known units, finite non-negative numbers. */
export function checkDuration(value: object, what: string): Duration {
  for (const [unit, amount] of Object.entries(value)) {
    if (!DURATION_UNITS.has(unit)) throw invalid(what, `unknown duration unit "${unit}"`);
    if (typeof amount !== "number" || !Number.isFinite(amount) || amount < 0) {
      throw invalid(what, `"${unit}" must be a finite number of at least 0`);
    }
  }
  return value as Duration;
}

/** Parses a `setExpiry()` argument; throws `SessionError` (`INVALID_EXPIRY`) for anything else. */
export function parseExpiry(value: ExpiryInput, now: Date): ExpiryChoice {
  if (value === null || value === undefined) return { kind: "default" };
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw invalid(value, "seconds must be a finite number");
    if (value === 0) return { kind: "browser" };
    return { kind: "at", at: new Date(now.getTime() + value * 1000) };
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw invalid(value, "the Date is invalid");
    return { kind: "at", at: new Date(value.getTime()) };
  }
  if (typeof value === "object") return { kind: "at", at: add(now, checkDuration(value, "duration")) };
  throw invalid(value, "expected seconds, a Date, a Duration or null");
}

/** Milliseconds covered by `duration` starting at `from` (months and years vary in length). */
export function durationMs(duration: Duration, from: Date): number {
  return add(from, duration).getTime() - from.getTime();
}

function earlier(a: Date, b: Date): Date {
  return a.getTime() <= b.getTime() ? a : b;
}

/**
 * The deadlines a save writes. An explicit choice replaces them; otherwise the idle deadline
 * slides from `now`, capped by the absolute one, and never moves earlier than it already was
 * (so a longer custom expiry survives later saves).
 */
export function computeDeadlines(
  policy: ExpiryPolicy,
  choice: ExpiryChoice | undefined,
  now: Date,
  previous: Deadlines & { createdAt: Date },
): Deadlines {
  if (choice?.kind === "at") return { expiresAt: choice.at, absoluteExpiresAt: choice.at, browserSession: false };
  if (choice !== undefined) {
    const absoluteExpiresAt = add(previous.createdAt, policy.absoluteTimeout);
    const expiresAt = earlier(add(now, policy.idleTimeout), absoluteExpiresAt);
    return { expiresAt, absoluteExpiresAt, browserSession: choice.kind === "browser" };
  }
  const slid = earlier(add(now, policy.idleTimeout), previous.absoluteExpiresAt);
  const expiresAt = slid.getTime() > previous.expiresAt.getTime() ? slid : previous.expiresAt;
  return { expiresAt, absoluteExpiresAt: previous.absoluteExpiresAt, browserSession: previous.browserSession };
}

/** Deadlines of a session that does not exist yet, under the default policy. */
export function initialDeadlines(policy: ExpiryPolicy, now: Date): Deadlines & { createdAt: Date } {
  const absoluteExpiresAt = add(now, policy.absoluteTimeout);
  const expiresAt = earlier(add(now, policy.idleTimeout), absoluteExpiresAt);
  return { expiresAt, absoluteExpiresAt, browserSession: false, createdAt: now };
}

/**
 * The touch rule, the one place it lives: extending a live deadline is due only once less than
 * half of its `windowMs` remains.
 */
export function touchIsDue(expiresAt: Date, now: Date, windowMs: number): boolean {
  const remaining = expiresAt.getTime() - now.getTime();
  return remaining > 0 && remaining < windowMs / 2;
}

/**
 * The deadline an unmodified session should be extended to, or `null` when no write is due:
 * only once less than half of the idle window remains, so a busy session costs one write per
 * half window instead of one per request.
 */
export function touchDeadline(policy: ExpiryPolicy, current: Deadlines, now: Date): Date | null {
  if (!touchIsDue(current.expiresAt, now, durationMs(policy.idleTimeout, now))) return null;
  const next = earlier(add(now, policy.idleTimeout), current.absoluteExpiresAt);
  return next.getTime() > current.expiresAt.getTime() ? next : null;
}

/**
 * Whether a row with this deadline is still a session at `now`, allowing `toleranceMs` for a clock
 * that runs ahead of the one that wrote the deadline (`clockTolerance`).
 */
export function isLive(expiresAt: Date, now: Date, toleranceMs: number): boolean {
  return expiresAt.getTime() + toleranceMs > now.getTime();
}
