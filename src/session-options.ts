import { type Clock, systemClock } from "./clock.js";
import type { SessionConnector } from "./connector.js";
import type { Duration } from "./duration.js";
import { ConfigError } from "./errors.js";
import { checkDuration, durationMs, type ExpiryPolicy } from "./expiry.js";
import { checkPositiveInteger } from "./numbers.js";
import { jsonSerializer, type Serializer } from "./serializer.js";

/** Where prisma-sessions reports what it does. Every method is optional; keys are always redacted. */
export interface SessionLogger {
  debug?(message: string, meta?: Record<string, unknown>): void;
  warn?(message: string, meta?: Record<string, unknown>): void;
  error?(message: string, meta?: Record<string, unknown>): void;
}

/** Options shared by every session of an application. */
export interface SessionOptions {
  /** The storage, e.g. `new PrismaConnector(prisma)` or `new MemoryConnector()`. */
  connector: SessionConnector;
  /** Inactivity after which a session ends; slides with use. @default { days: 7 } */
  idleTimeout?: Duration;
  /** Hard cap from creation, whatever the activity (OWASP). @default { days: 30 } */
  absoluteTimeout?: Duration;
  /** How data is stored. @default JSON with `Date` support */
  serializer?: Serializer;
  /** Largest serialized payload `save()` accepts, in bytes. @default 65536 */
  maxPayloadBytes?: number;
  /** Compare-and-swap attempts before `save()` throws `SessionConflict`. @default 12 */
  maxSaveAttempts?: number;
  /** Receives debug, warning and error events. @default none */
  logger?: SessionLogger;
  /** Source of "now". @default the system clock */
  clock?: Clock;
  /**
   * Longest a single storage call may take, in milliseconds or as a `Duration`, before it fails
   * with `StorageTimeout` (a `ConnectorError` with code `STORAGE_TIMEOUT`; the HTTP layer answers
   * 503). A write that timed out may still land later: the caller was told it failed. `0` waits
   * forever. @default 5000
   */
  operationTimeout?: number | Duration;
  /**
   * How long a rotated key stays known as "moved to a new key": a request that still carries it
   * (sent before the browser received the new cookie) reads no session, and its writes fail with
   * `SessionInterrupted` (`reason: "rotated"`) instead of starting a new session whose cookie would
   * replace the new one. `0` turns this off. @default { seconds: 60 }
   */
  rotationGrace?: Duration;
  /**
   * How far this server's clock may run ahead of the others' (and the database's): a session is
   * still served until `clockTolerance` past its deadline. Cleanup decides by the database's clock
   * whatever this is. @default 0
   */
  clockTolerance?: Duration;
}

/** Options with every default filled in, validated once. */
export interface ResolvedSessionOptions {
  readonly connector: SessionConnector;
  readonly policy: ExpiryPolicy;
  readonly serializer: Serializer;
  readonly maxPayloadBytes: number;
  readonly maxSaveAttempts: number;
  readonly logger: SessionLogger;
  readonly clock: Clock;
  /** 0: no limit. */
  readonly operationTimeoutMs: number;
  readonly rotationGrace: Duration;
  /** Milliseconds. */
  readonly clockToleranceMs: number;
}

const CONNECTOR_METHODS = [
  "getSession",
  "createSession",
  "updateSession",
  "touchSession",
  "destroySession",
  "listUserSessions",
  "destroyUserSessions",
  "deleteExpiredSessions",
  "countExpiredSessions",
  "currentTime",
] as const;

const resolved = new WeakSet<object>();

function isResolved(options: SessionOptions | ResolvedSessionOptions): options is ResolvedSessionOptions {
  return resolved.has(options);
}

function duration(value: Duration | undefined, fallback: Duration, name: string): Duration {
  const given = value ?? fallback;
  if (typeof given !== "object" || given === null) throw new ConfigError(`${name} must be a date-fns Duration`);
  try {
    return checkDuration(given, name);
  } catch (error) {
    throw new ConfigError(`${name} is not a valid duration`, { cause: error });
  }
}

function window(value: Duration | undefined, fallback: Duration, name: string): Duration {
  const checked = duration(value, fallback, name);
  if (durationMs(checked, new Date()) <= 0) throw new ConfigError(`${name} must be longer than zero`);
  return checked;
}

/**
 * Milliseconds of a `number | Duration` option. Throws `ConfigError` for anything that is not a
 * finite, non-negative amount (a `Duration` counts from now: months and years vary in length).
 */
export function millisecondsOf(value: number | Duration, name: string): number {
  let ms: number;
  if (typeof value === "number") ms = value;
  else if (typeof value === "object" && value !== null) {
    try {
      ms = durationMs(checkDuration(value, name), new Date());
    } catch (error) {
      throw new ConfigError(`${name} is not a valid duration`, { cause: error });
    }
  } else throw new ConfigError(`${name} must be milliseconds or a date-fns Duration`);
  if (!Number.isFinite(ms) || ms < 0) throw new ConfigError(`${name} must be a finite number of at least 0`);
  return ms;
}

function milliseconds(value: number | Duration | undefined, fallback: number, name: string): number {
  return value === undefined ? fallback : millisecondsOf(value, name);
}

/** Validates options and fills in defaults (the one place defaults live). */
export function resolveOptions(input: SessionOptions | ResolvedSessionOptions): ResolvedSessionOptions {
  if (isResolved(input)) return input;
  const { connector } = input;
  const missing = CONNECTOR_METHODS.filter((name) => typeof connector?.[name] !== "function");
  if (missing.length > 0) throw new ConfigError(`The connector lacks ${missing.join(", ")}`);
  const result: ResolvedSessionOptions = Object.freeze({
    connector,
    policy: {
      idleTimeout: window(input.idleTimeout, { days: 7 }, "idleTimeout"),
      absoluteTimeout: window(input.absoluteTimeout, { days: 30 }, "absoluteTimeout"),
    },
    serializer: input.serializer ?? jsonSerializer,
    maxPayloadBytes: checkPositiveInteger(input.maxPayloadBytes ?? 65_536, "maxPayloadBytes"),
    maxSaveAttempts: checkPositiveInteger(input.maxSaveAttempts ?? 12, "maxSaveAttempts"),
    logger: input.logger ?? {},
    clock: input.clock ?? systemClock,
    operationTimeoutMs: milliseconds(input.operationTimeout, 5000, "operationTimeout"),
    rotationGrace: duration(input.rotationGrace, { seconds: 60 }, "rotationGrace"),
    clockToleranceMs: milliseconds(input.clockTolerance, 0, "clockTolerance"),
  });
  resolved.add(result);
  return result;
}
