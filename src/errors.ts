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

/** `save()` was asked to store a session whose deadline has already passed (Duck's contract). */
export class SessionExpired extends SessionError {
  override name = "SessionExpired";
  constructor(message: string, options: SessionErrorOptions = {}) {
    super(message, "SESSION_EXPIRED", options);
  }
}

/** Concurrent writers kept changing the session: `save()` gave up after its bounded retries. */
export class SessionConflict extends SessionError {
  override name = "SessionConflict";
  constructor(message: string, options: SessionErrorOptions = {}) {
    super(message, "SESSION_CONFLICT", options);
  }
}

/**
 * The session was destroyed (log-out, log-out-everywhere, expiry) while this store held it;
 * its save is refused so the session is not resurrected.
 */
export class SessionInterrupted extends SessionError {
  override name = "SessionInterrupted";
  constructor(message: string, options: SessionErrorOptions = {}) {
    super(message, "SESSION_INTERRUPTED", options);
  }
}

/** The storage failed (database down, bad schema, …). The driver's error is the `cause`. */
export class ConnectorError extends SessionError {
  override name = "ConnectorError";
  constructor(message: string, options: SessionErrorOptions = {}) {
    super(message, "CONNECTOR_ERROR", options);
  }
}

/** Invalid options or an unusable connector, reported when the object is built. */
export class ConfigError extends SessionError {
  override name = "ConfigError";
  constructor(message: string, options: SessionErrorOptions = {}) {
    super(message, "CONFIG_ERROR", options);
  }
}

/**
 * A write (`save()`, `destroy()`) was attempted where the framework cannot send cookies, such as
 * a Next.js Server Component while it renders. Nothing was written.
 */
export class SessionReadOnly extends SessionError {
  override name = "SessionReadOnly";
  constructor(message: string, options: SessionErrorOptions = {}) {
    super(message, "READ_ONLY", options);
  }
}
