import type { ClientInfo } from "../connector.js";
import type { ConnectorError } from "../errors.js";
import type { SessionHooks } from "../session-hooks.js";
import type { ResolvedSessionOptions } from "../session-options.js";
import { type SessionData, SessionStore } from "../session-store.js";
import type { StorageErrorPolicy } from "./http-options.js";

/** A deadline in ms since the epoch, and whether the cookie ends with the browser session. */
export interface LoadedExpiry {
  expiresAt: number;
  browserSession: boolean;
}

/** What the end of a request needs to know about its session, kept by the hooks below. */
export interface RequestState {
  /** The first storage failure of this request, if any. */
  storageError: ConnectorError | null;
  /** Whether a storage failure was thrown to the application (which then reports it itself). */
  surfaced: boolean;
  /** The deadline of the stored session as loaded; `null` before that or when nothing was stored. */
  loadedExpiry: LoadedExpiry | null;
}

/** A request's session and the state its hooks keep. */
export interface RequestSession<Data extends SessionData = SessionData> {
  readonly session: SessionStore<Data>;
  readonly state: RequestState;
}

/**
 * The `SessionStore` the HTTP layer gives a request: an ordinary store whose hooks apply the
 * storage-error policy and remember what the end of the request needs.
 *
 * - Under `"fail-open"`, storage failures of loads and saves are absorbed: the request goes on
 *   without a session and nothing more is written.
 * - Where the integration answers for itself (`answersForItself`: the Node layer holds the
 *   response and can replace it with a 503), a failed load never throws, under either policy: the
 *   handler runs on with an empty session, and the one answer and the one log line come at the end
 *   of the request, not through `next(err)`. An explicit `save()` still throws under fail-closed.
 * - A failed `destroy()` always throws: a log-out never looks done when it is not.
 */
export function openRequestSession<Data extends SessionData>(
  sessionKey: string | null,
  options: ResolvedSessionOptions,
  policy: StorageErrorPolicy,
  answersForItself: boolean,
  extra: Omit<SessionHooks, "storageFailed" | "afterLoad"> = {},
  client?: ClientInfo,
): RequestSession<Data> {
  const state: RequestState = { storageError: null, surfaced: false, loadedExpiry: null };
  const hooks: SessionHooks = {
    ...extra,
    storageFailed: (error, operation) => {
      state.storageError ??= error;
      const absorbed =
        operation !== "destroy" && (policy === "fail-open" || (operation === "load" && answersForItself));
      if (!absorbed) state.surfaced = true;
      return absorbed;
    },
    afterLoad: () => {
      state.loadedExpiry =
        session.sessionKey === null || session.superseded
          ? null
          : { expiresAt: session.getExpiryDate().getTime(), browserSession: session.getExpireAtBrowserClose() };
    },
  };
  const session = new SessionStore<Data>(sessionKey, options, client === undefined ? { hooks } : { hooks, client });
  return { session, state };
}
