import { ConfigError } from "../errors.js";
import { beginFetch, type HeaderReader, settleFetch } from "../http/fetch.js";
import { SessionHttp, type SessionHttpOptions } from "../http/session-http.js";
import type { SessionExchange } from "../http/settle.js";
import type { SessionManager } from "../session-manager.js";
import type { SessionData, SessionStore } from "../session-store.js";

/** Options of {@link fetchSessions}: the core options or a `SessionManager`, plus the cookie and outage options. */
export type FetchSessionsOptions<Data extends SessionData = SessionData> = SessionHttpOptions<Data>;

/** A request handler of the web platform that receives the request's session. */
export type SessionHandler<Data extends SessionData> = (
  request: Request,
  session: SessionStore<Data>,
) => Response | Promise<Response>;

/** Sessions for `Request`/`Response` handlers: the building block of the Hono and React Router integrations. */
export interface FetchSessions<Data extends SessionData = SessionData> {
  /** The manager behind every request's session: per-user listing and log-out-everywhere. */
  readonly manager: SessionManager<Data>;
  /**
   * The request's session, unloaded (`await session.load()` reads it). Reads the cookie from the
   * `Request` (or only its `Headers`); makes no query.
   */
  open(request: Request | HeaderReader): SessionStore<Data>;
  /**
   * Ends the request: saves what needs saving (never for a 5xx status) and returns `response` with
   * `Set-Cookie` and `Vary: Cookie` where due, or the plain-text 503/409/500 answer that replaces
   * it when storage failed or the save was refused. Call it once per session, last.
   * @throws ConfigError for a session that {@link open} did not give.
   */
  commit(session: SessionStore<Data>, response: Response): Promise<Response>;
  /** Wraps a handler: opens the request's session, runs `handler`, commits. A handler that throws saves nothing. */
  handle(handler: SessionHandler<Data>): (request: Request) => Promise<Response>;
}

/**
 * Sessions for any runtime or framework that speaks the web platform's `Request` and `Response`
 * (Bun, Deno, workers, Next.js Route Handlers, SvelteKit, Astro, ...), with the rules of the
 * Express middleware: lazy load, lazy save, `Set-Cookie` only when the key or deadline changed,
 * 503 when storage is down (or no session under `onStorageError: "fail-open"`).
 *
 * @example
 * const sessions = fetchSessions<{ count: number }>({ connector });
 * export default {
 *   fetch: sessions.handle(async (request, session) => {
 *     await session.load();
 *     session.set("count", (session.get("count") ?? 0) + 1);
 *     return Response.json({ count: session.get("count") });
 *   }),
 * };
 */
export function fetchSessions<Data extends SessionData = SessionData>(
  options: FetchSessionsOptions<Data>,
): FetchSessions<Data> {
  const http = new SessionHttp<Data>(options);
  const exchanges = new WeakMap<SessionStore<Data>, SessionExchange<Data>>();

  const open = (request: Request | HeaderReader): SessionStore<Data> => {
    const exchange = beginFetch(http, request);
    exchanges.set(exchange.session, exchange);
    return exchange.session;
  };

  const commit = (session: SessionStore<Data>, response: Response): Promise<Response> => {
    const exchange = exchanges.get(session);
    if (exchange === undefined) {
      return Promise.reject(new ConfigError("commit() takes a session that open() gave, once"));
    }
    exchanges.delete(session);
    return settleFetch(http, exchange, response);
  };

  const handle =
    (handler: SessionHandler<Data>) =>
    async (request: Request): Promise<Response> => {
      const session = open(request);
      return commit(session, await handler(request, session));
    };

  return { manager: http.manager, open, commit, handle };
}
