/**
 * Machine-readable error codes. Branch on these (or on the error class), never on message text.
 */
export type SessionErrorCode =
  | "NOT_LOADED"
  | "INVALID_EXPIRY"
  | "UNSERIALIZABLE"
  | "PAYLOAD_TOO_LARGE"
  | "SESSION_EXPIRED"
  | "SESSION_CONFLICT"
  | "SESSION_INTERRUPTED"
  | "CONNECTOR_ERROR"
  | "STORAGE_TIMEOUT"
  | "DATA_REJECTED"
  | "INVALID_USER_ID"
  | "CONFIG_ERROR"
  | "READ_ONLY";

/** Options accepted by every error of the hierarchy. */
export interface SessionErrorOptions {
  /** The underlying error, kept as the standard ES2022 `cause`. */
  cause?: unknown;
}

/**
 * Base class of every error prisma-sessions throws.
 *
 * @example
 * try { await session.save(); } catch (e) { if (e instanceof SessionError && e.code === "PAYLOAD_TOO_LARGE") … }
 */
export class SessionError extends Error {
  override name = "SessionError";
  readonly code: SessionErrorCode;

  constructor(message: string, code: SessionErrorCode, options: SessionErrorOptions = {}) {
    super(message, "cause" in options ? { cause: options.cause } : undefined);
    this.code = code;
  }
}

/**
 * The base of the errors below that add nothing but their code and name: `new X(message, { cause })`
 * makes a {@link SessionError} whose `code` is `code` (typed as that literal) and whose `name` is
 * `name` (given, not read from the class, which a bundler may rename).
 */
function withCode<const Code extends SessionErrorCode>(code: Code, name: string) {
  return class extends SessionError {
    declare readonly code: Code;
    constructor(message: string, options: SessionErrorOptions = {}) {
      super(message, code, options);
      this.name = name;
    }
  };
}

/** `save()` was asked to store a session whose deadline has already passed (Duck's contract). */
export class SessionExpired extends withCode("SESSION_EXPIRED", "SessionExpired") {}

/** Concurrent writers kept changing the session: `save()` gave up after its bounded retries. */
export class SessionConflict extends withCode("SESSION_CONFLICT", "SessionConflict") {}

/** A value `set()` (or `save()`, for a value changed in place) cannot store so that it comes back exactly. */
export class UnserializableValue extends SessionError {
  override name = "UnserializableValue";
  /** Where the value sits: the session key, then object keys and array indexes. */
  readonly path: readonly (string | number)[];
  constructor(message: string, path: readonly (string | number)[], options: SessionErrorOptions = {}) {
    super(message, "UNSERIALIZABLE", options);
    this.path = path;
  }
}

/** Why a {@link SessionInterrupted} was thrown. */
export type InterruptionReason =
  /** The session was destroyed (log-out, log-out-everywhere, expiry). */
  | "destroyed"
  /** The session moved to a new key (a log-in elsewhere rotated it): this request's key is stale. */
  | "rotated";

/**
 * The session ended, or moved to a new key, while this store held it (or this request arrived with
 * a key that was rotated moments ago): the write is refused, so a destroyed session is not
 * resurrected and a stale key never reaches, nor replaces, the new session.
 */
export class SessionInterrupted extends SessionError {
  override name = "SessionInterrupted";
  readonly reason: InterruptionReason;
  constructor(message: string, options: SessionErrorOptions & { reason?: InterruptionReason } = {}) {
    super(message, "SESSION_INTERRUPTED", options);
    this.reason = options.reason ?? "destroyed";
  }
}

/**
 * The storage could not be reached or did not answer (database down, connection lost, pool
 * exhausted, timeout). Transient: retrying later may succeed. The driver's error is the `cause`.
 */
export class ConnectorError extends SessionError {
  override name = "ConnectorError";
  constructor(message: string, options: SessionErrorOptions & { code?: "STORAGE_TIMEOUT" } = {}) {
    super(message, options.code ?? "CONNECTOR_ERROR", options);
  }
}

/** A storage call took longer than `operationTimeout`: a {@link ConnectorError} with code `STORAGE_TIMEOUT`. */
export class StorageTimeout extends ConnectorError {
  override name = "StorageTimeout";
  constructor(message: string, options: SessionErrorOptions = {}) {
    super(message, { ...options, code: "STORAGE_TIMEOUT" });
  }
}

/**
 * The database refused a value of this session (too long for its column, a character it cannot
 * store, a constraint). Not an outage: retrying will not help, and it is never served "open".
 * The driver's error is the `cause`.
 */
export class DataRejected extends withCode("DATA_REJECTED", "DataRejected") {}

/** Invalid options or an unusable connector, reported when the object is built. */
export class ConfigError extends withCode("CONFIG_ERROR", "ConfigError") {}

/**
 * A write (`save()`, `destroy()`) was attempted where the framework cannot send cookies, such as
 * a Next.js Server Component while it renders. Nothing was written.
 */
export class SessionReadOnly extends withCode("READ_ONLY", "SessionReadOnly") {}
