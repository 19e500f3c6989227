import { ConnectorError, SessionError, SessionInterrupted } from "../errors.js";
import type { SessionData, SessionStore } from "../session-store.js";
import { clearedCookie, cookieIsSecure, type IncomingSessionCookie, sessionCookie } from "./cookie.js";
import type { ResolvedHttpOptions } from "./http-options.js";
import type { RequestState } from "./request-session.js";

/** One request's session, from the cookie to the response. */
export interface SessionExchange<Data extends SessionData = SessionData> {
  readonly session: SessionStore<Data>;
  readonly state: RequestState;
  readonly cookie: IncomingSessionCookie;
  /** The request came over HTTPS (directly or through a trusted proxy). */
  readonly https: boolean;
  /** The `Host` it was sent to, when known. */
  readonly host?: string | null;
}

/** How the response goes out once the session is settled. */
export type SessionOutcome =
  /** Send the application's response, adding these headers. */
  | { kind: "send"; setCookie: string | null; vary: boolean }
  /** Send this short plain-text answer instead of the application's response. */
  | { kind: "replace"; status: number; message: string; setCookie: string | null };

const OUTAGE_MESSAGE = "Service Unavailable: session storage cannot be reached. Please retry shortly.";
const INTERRUPTED_MESSAGE =
  "Conflict: the session ended while this request was running (a log-out elsewhere?); its changes were not saved.";
const ROTATED_MESSAGE =
  "Conflict: this request carried a session key that was replaced moments ago (a sign-in); its changes were not saved. Please retry.";
const SAVE_FAILED_MESSAGE = "Internal Server Error: the session could not be saved.";

/**
 * Ends a request's session: writes what needs writing (nothing for an untouched or unchanged
 * session, nothing at all for a 5xx response) and decides the `Set-Cookie` and `Vary` headers,
 * or the answer that replaces the response when storage failed.
 */
export async function settleSession<Data extends SessionData>(
  options: ResolvedHttpOptions,
  exchange: SessionExchange<Data>,
  status: number,
  now: () => Date,
): Promise<SessionOutcome> {
  const { session, state } = exchange;
  const vary = session.accessed; // read before our own calls below, which count as access too
  const secure = cookieIsSecure(options, exchange.https);
  // A failure thrown to the application before now is the application's to report.
  const reported = state.surfaced;
  const persisting = status < 500 && state.storageError === null;
  if (persisting) {
    try {
      await persist(session);
    } catch (error) {
      if (!(error instanceof ConnectorError)) return saveFailed(options, exchange, error, secure);
    }
  }
  const failure = state.storageError;
  if (failure !== null) return outage(options, failure, vary, !reported);
  return { kind: "send", vary, setCookie: vary ? cookieChange(options, exchange, persisting, secure, now()) : null };
}

async function persist(session: SessionStore<SessionData>): Promise<void> {
  if (!session.loaded && !session.modified) return; // never touched: nothing read, nothing written
  if (session.superseded) {
    // A key rotated moments ago: nothing to end, and a change is refused (SessionInterrupted).
    if (session.needsUpdate()) await session.save();
    return;
  }
  if (session.loaded && !session.destroyed && session.size === 0 && session.userId === null) {
    // An empty session is worth no row: a stored one ends (and its cookie goes), a new one is never written.
    if (session.sessionKey !== null) await session.destroy();
    return;
  }
  await session.save(); // writes only what needs writing (see SessionStore.needsUpdate)
}

/**
 * The `Set-Cookie` a settled session needs, or `null` when the browser's cookie is still right:
 * the key or the deadline changed, or a cookie the request carried must go. `persisted` is false
 * when nothing was saved (then a new key must not be sent).
 */
export function cookieChange(
  options: ResolvedHttpOptions,
  { session, state, cookie }: SessionExchange<SessionData>,
  persisted: boolean,
  secure: boolean,
  now: Date,
): string | null {
  // A superseded key's browser is about to get (or has) the new cookie: never touch it.
  if (!session.loaded || session.superseded) return null;
  const key = session.sessionKey;
  if (key === null) return cookie.present ? clearedCookie(options, secure) : null;
  if (!persisted) return null; // a 5xx response: a rotated key was not saved, so it must not be sent
  const expiresAt = session.getExpiryDate();
  const browserSession = session.getExpireAtBrowserClose();
  const loaded = state.loadedExpiry;
  const unchanged = loaded?.expiresAt === expiresAt.getTime() && loaded.browserSession === browserSession;
  if (key === cookie.key && unchanged) return null;
  return sessionCookie(options, key, { expiresAt, browserSession, now }, secure);
}

/**
 * The answer when storage failed, logged once per request: here, unless the error was thrown to
 * the application, whose own error handling reports it.
 */
function outage(options: ResolvedHttpOptions, error: ConnectorError, vary: boolean, log: boolean): SessionOutcome {
  const meta = { error: error.message, code: error.code, cause: describeCause(error.cause) };
  if (options.onStorageError === "fail-open") {
    if (log) options.logger.error("session storage is unreachable: serving the request without a session", meta);
    return { kind: "send", setCookie: null, vary };
  }
  if (log) options.logger.error("session storage is unreachable: answering 503", meta);
  return { kind: "replace", status: 503, message: OUTAGE_MESSAGE, setCookie: null };
}

/** A cause as one line (its message), not an object whose stack a console logger would print. */
function describeCause(cause: unknown): string | undefined {
  if (cause === undefined) return undefined;
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}

function saveFailed(
  options: ResolvedHttpOptions,
  { cookie }: SessionExchange<SessionData>,
  error: unknown,
  secure: boolean,
): SessionOutcome {
  if (error instanceof SessionInterrupted) {
    // Django answers such requests 400 (SessionInterrupted); 409 says better what happened.
    if (error.reason === "rotated") {
      // The browser has (or is about to get) the rotated key's cookie: leave it alone.
      options.logger.warn?.("request with a key rotated moments ago: its changes were not saved");
      return { kind: "replace", status: 409, message: ROTATED_MESSAGE, setCookie: null };
    }
    options.logger.warn?.("session destroyed during the request: its changes were not saved");
    const setCookie = cookie.present ? clearedCookie(options, secure) : null;
    return { kind: "replace", status: 409, message: INTERRUPTED_MESSAGE, setCookie };
  }
  const code = error instanceof SessionError ? error.code : undefined;
  options.logger.error("the session could not be saved", {
    error: error instanceof Error ? error.message : error,
    code,
  });
  return { kind: "replace", status: 500, message: SAVE_FAILED_MESSAGE, setCookie: null };
}
