import type { IncomingMessage, ServerResponse } from "node:http";
import { ConfigError } from "../errors.js";
import { attachSession } from "../http/node-request.js";
import { SessionHttp, type SessionHttpOptions } from "../http/session-http.js";
import type { SessionManager } from "../session-manager.js";
import { type SessionData, SessionStore } from "../session-store.js";

/** Options of {@link session}: the core options or a `SessionManager`, plus the cookie and outage options. */
export type ExpressSessionOptions<Data extends SessionData = SessionData> = SessionHttpOptions<Data>;

/** The middleware {@link session} returns: an Express (4 or 5) request handler with two helpers. */
export interface SessionMiddleware<Data extends SessionData = SessionData> {
  (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void;
  /** The manager behind every request's session: per-user listing and log-out-everywhere. */
  readonly manager: SessionManager<Data>;
  /**
   * This request's session, typed for your data (the same object as `req.session`).
   * @throws ConfigError when this middleware did not run for the request.
   */
  from(req: IncomingMessage): SessionStore<Data>;
}

/**
 * The request's session put there by a prisma-sessions middleware, or `null`. For code that
 * does not hold the middleware (the NestJS decorator); prefer `middleware.from(req)`, which is typed.
 */
export function requestSession(req: object): SessionStore | null {
  const value: unknown = Reflect.get(req, "session");
  return value instanceof SessionStore ? value : null;
}

/**
 * Session middleware for Express 4 and 5 (and plain Node `http`). Puts an unloaded
 * {@link SessionStore} on `req.session`: nothing is read until the handler calls
 * `await req.session.load()`. When the response starts it saves what needs saving (never for a
 * 5xx status) and sends `Set-Cookie` only when the key or the deadline changed, and
 * `Vary: Cookie` whenever the session was used. With the storage down it answers 503, or
 * serves the request without a session under `onStorageError: "fail-open"`.
 *
 * @example
 * const sessions = session<{ cart: string[] }>({ connector: new PrismaConnector(prisma) });
 * app.use(sessions);
 * app.post("/cart", async (req, res) => {
 *   const cart = sessions.from(req);
 *   await cart.load();
 *   cart.set("items", [...(cart.get("items") ?? []), req.body.item]);
 *   res.json(cart.get("items"));
 * });
 */
export function session<Data extends SessionData = SessionData>(
  options: ExpressSessionOptions<Data>,
): SessionMiddleware<Data> {
  const http = new SessionHttp<Data>(options);
  const sessions = new WeakMap<IncomingMessage, SessionStore<Data>>();

  const middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void => {
    if (requestSession(req) !== null) {
      next(); // mounted twice (an app-wide and a router-level `use`): the first one owns the request
      return;
    }
    sessions.set(req, attachSession(http, req, res).session);
    next();
  };

  const from = (req: IncomingMessage): SessionStore<Data> => {
    const found = sessions.get(req);
    if (found === undefined) {
      throw new ConfigError("No session on this request: the session middleware did not run for its route");
    }
    return found;
  };

  return Object.assign(middleware, { manager: http.manager, from });
}
