import { createSession, type Session, type SessionStorage } from "react-router";
import { ConfigError } from "../errors.js";
import { clearedCookie, cookieIsSecure } from "../http/cookie.js";
import { replacementResponse } from "../http/fetch.js";
import { SessionHttp, type SessionHttpOptions } from "../http/session-http.js";
import type { SessionExchange } from "../http/settle.js";
import type { SessionManager } from "../session-manager.js";
import type { SessionData, SessionStore } from "../session-store.js";

/** Options of {@link createPrismaSessionStorage}: the core options or a `SessionManager`, plus the cookie and outage options. */
export type PrismaSessionStorageOptions = SessionHttpOptions;

/** React Router's `SessionStorage`, backed by the sessions table, with what React Router's API has no word for. */
export interface PrismaSessionStorage<Data = SessionData, FlashData = Data> extends SessionStorage<Data, FlashData> {
  /** The manager behind every session: per-user listing and log-out-everywhere. */
  readonly manager: SessionManager;
  /**
   * The `SessionStore` behind a session `getSession` gave: its owner (`userId`), its expiry
   * (`setExpiry`), its storage id. Its data is the session's: change it through either.
   * @throws ConfigError for a session this storage did not give.
   */
  store(session: Session<Data, FlashData>): SessionStore;
  /**
   * Gives the session a new key at the next `commitSession` (after a sign-in, against session
   * fixation), keeping its data; the old key is remembered a minute as rotated.
   * @throws ConfigError for a session this storage did not give.
   */
  rotate(session: Session<Data, FlashData>): Promise<void>;
}

/** A session as getSession gave it: its store, and each key's serialized value as last read or committed. */
interface Tracked {
  exchange: SessionExchange;
  committed: Map<string, string>;
}

/**
 * A React Router (v7, v8) session storage on the sessions table: `getSession`, `commitSession`
 * and `destroySession` as React Router defines them, flash values included (React Router's own
 * `Session` objects), with the guarantees of the other integrations where the API allows:
 *
 * - `commitSession` receives the whole session, but writes only the keys this request changed
 *   (compared with what `getSession` read), so parallel requests that change different keys
 *   merge through the compare-and-swap instead of the last one overwriting the others; a commit
 *   that changed nothing writes nothing (except the throttled deadline extension).
 * - The storage owns its cookie (name, attributes, signing with `secrets`): React Router's
 *   `createCookie` is not used, and its `secrets` do not apply.
 * - Storage down: `getSession` throws a 503 `Response` under fail-closed (React Router answers
 *   with it), or gives an empty session that is never saved under fail-open. A commit refused by
 *   the rules throws the same 409 or 500 `Response` the other integrations answer.
 * - `commitSession` returns the `Set-Cookie` value when the key or the deadline changed (or a
 *   cookie must go), as the other integrations send it, and `""` (a value browsers ignore) when
 *   the browser's cookie is right as it is: leave the header out then.
 * - No `Vary: Cookie`: React Router's API never sees the response; add it where a response
 *   depends on the session.
 *
 * @example
 * export const sessions = createPrismaSessionStorage<{ userId: string }, { error: string }>({
 *   connector: new PrismaConnector(prisma),
 *   secrets: [process.env.SESSION_SECRET!],
 * });
 * export async function action({ request }: Route.ActionArgs) {
 *   const session = await sessions.getSession(request.headers.get("Cookie"));
 *   session.flash("error", "Wrong password");
 *   return redirect("/login", { headers: { "Set-Cookie": await sessions.commitSession(session) } });
 * }
 */
export function createPrismaSessionStorage<Data = SessionData, FlashData = Data>(
  options: PrismaSessionStorageOptions,
): PrismaSessionStorage<Data, FlashData> {
  const http = new SessionHttp(options);
  const { serializer } = http.manager.options;
  const tracked = new WeakMap<Session<Data, FlashData>, Tracked>();
  // React Router's getSession sees only the Cookie header: whether the request came over HTTPS
  // is unknown, so `secure: "auto"` means Secure outside development and none in development.
  const secure = cookieIsSecure(http.options, false);
  const encode = (key: string, value: unknown): string => serializer.stringify({ [key]: value });

  const find = (session: Session<Data, FlashData>): Tracked => {
    const found = tracked.get(session);
    if (found === undefined) throw new ConfigError("This session did not come from this storage's getSession()");
    return found;
  };

  /** Moves the keys the handler changed on React Router's session onto the store. */
  const sync = (session: Session<Data, FlashData>, { exchange, committed }: Tracked): void => {
    const store = exchange.session;
    if (!store.loaded) return; // storage down under fail-open: nothing is saved
    const data: Record<string, unknown> = session.data;
    for (const [key, value] of Object.entries(data)) {
      const text = encode(key, value);
      if (committed.get(key) !== text) store.set(key, value);
      committed.set(key, text);
    }
    for (const key of committed.keys()) {
      if (!Object.hasOwn(data, key)) {
        store.delete(key);
        committed.delete(key);
      }
    }
  };

  return {
    manager: http.manager,
    async getSession(cookieHeader) {
      const exchange = http.begin(cookieHeader ?? undefined, false);
      const store = exchange.session;
      await store.load(); // a failure does not throw here: it is recorded on the exchange
      if (exchange.state.storageError !== null) {
        const outcome = await http.settle(exchange, 200); // the one log line, and the policy's answer
        if (outcome.kind === "replace") throw replacementResponse(outcome);
      }
      const initial = store.loaded ? store.toJSON() : {};
      // React Router's own Session (flash semantics included), over the data the store read.
      const session = createSession<Data, FlashData>(initial as Data, store.id ?? "");
      tracked.set(session, {
        exchange,
        committed: new Map(Object.entries(initial).map(([key, value]) => [key, encode(key, value)])),
      });
      return session;
    },
    async commitSession(session, cookieOptions) {
      const entry = find(session);
      sync(session, entry);
      const store = entry.exchange.session;
      if (store.loaded && !store.superseded) {
        if (cookieOptions?.maxAge !== undefined) store.setExpiry(cookieOptions.maxAge);
        else if (cookieOptions?.expires !== undefined) store.setExpiry(cookieOptions.expires);
      }
      const outcome = await http.settle(entry.exchange, 200);
      if (outcome.kind === "replace") throw replacementResponse(outcome);
      return outcome.setCookie ?? ""; // the browser's cookie is right as it is
    },
    async destroySession(session) {
      const { exchange } = find(session);
      // A failure throws (a log-out never looks done when it is not), and so does a key rotated meanwhile.
      await exchange.session.destroy();
      return exchange.cookie.present ? clearedCookie(http.options, secure) : "";
    },
    store: (session) => find(session).exchange.session,
    rotate: async (session) => {
      await find(session).exchange.session.assignNewSessionKey();
    },
  };
}
