import { type Clock, systemClock } from "./clock.js";
import type { SessionConnector } from "./connector.js";
import type { Duration } from "./duration.js";
import { ConfigError } from "./errors.js";
import { checkDuration, durationMs, type ExpiryPolicy } from "./expiry.js";
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
] as const;

const resolved = new WeakSet<object>();

function isResolved(options: SessionOptions | ResolvedSessionOptions): options is ResolvedSessionOptions {
  return resolved.has(options);
}

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  const result = value ?? fallback;
  if (!Number.isInteger(result) || result < 1) throw new ConfigError(`${name} must be a positive integer`);
  return result;
}

function window(value: Duration | undefined, fallback: Duration, name: string): Duration {
  const duration = value ?? fallback;
  let checked: Duration;
  try {
    checked = checkDuration(duration, name);
  } catch (error) {
    throw new ConfigError(`${name} is not a valid duration`, { cause: error });
  }
  if (durationMs(checked, new Date()) <= 0) throw new ConfigError(`${name} must be longer than zero`);
  return checked;
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
    maxPayloadBytes: positiveInteger(input.maxPayloadBytes, 65_536, "maxPayloadBytes"),
    maxSaveAttempts: positiveInteger(input.maxSaveAttempts, 12, "maxSaveAttempts"),
    logger: input.logger ?? {},
    clock: input.clock ?? systemClock,
  });
  resolved.add(result);
  return result;
}
