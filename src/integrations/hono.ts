import type { MiddlewareHandler } from "hono";
import { beginFetch, settleFetch } from "../http/fetch.js";
import { SessionHttp, type SessionHttpOptions } from "../http/session-http.js";
import type { SessionManager } from "../session-manager.js";
import type { SessionData, SessionStore } from "../session-store.js";

/** Options of {@link honoSession}: the core options or a `SessionManager`, plus the cookie and outage options. */
export type HonoSessionOptions<Data extends SessionData = SessionData> = SessionHttpOptions<Data>;

/**
 * The context variables the middleware sets; put them in your app's `Variables` so that
 * `c.get("session")` is typed: `new Hono<{ Variables: SessionVariables<Data> }>()`.
 */
export interface SessionVariables<Data extends SessionData = SessionData> {
  session: SessionStore<Data>;
}

/** The middleware {@link honoSession} returns, with the manager behind its sessions. */
export type HonoSessionMiddleware<Data extends SessionData = SessionData> = MiddlewareHandler<{
  Variables: SessionVariables<Data>;
}> & {
  /** The manager behind every request's session: per-user listing and log-out-everywhere. */
  readonly manager: SessionManager<Data>;
};

/**
 * Session middleware for Hono (on any runtime: Node through `@hono/node-server`, Bun, Deno,
 * workers), built on the fetch core. `c.get("session")` is the request's unloaded
 * {@link SessionStore}; after the handler, the session is saved if needed and `Set-Cookie` and
 * `Vary: Cookie` are added to `c.res`, or the response is replaced by a 503 (storage down), 409
 * (a key rotated moments ago, or a session ended meanwhile) or 500 (a save refused). Nothing of
 * Hono is loaded at run time: the middleware is a plain function.
 *
 * @example
 * const app = new Hono<{ Variables: SessionVariables<{ count: number }> }>();
 * app.use(honoSession({ connector: new PrismaConnector(prisma) }));
 * app.post("/count", async (c) => {
 *   const session = c.get("session");
 *   await session.load();
 *   session.set("count", (session.get("count") ?? 0) + 1);
 *   return c.json({ count: session.get("count") });
 * });
 */
export function honoSession<Data extends SessionData = SessionData>(
  options: HonoSessionOptions<Data>,
): HonoSessionMiddleware<Data> {
  const http = new SessionHttp<Data>(options);
  const middleware: MiddlewareHandler<{ Variables: SessionVariables<Data> }> = async (c, next) => {
    if (c.get("session") !== undefined) {
      await next(); // mounted twice (app-wide and on a route): the first one owns the request
      return;
    }
    const exchange = beginFetch(http, c.req.raw);
    c.set("session", exchange.session);
    await next();
    const response = await settleFetch(http, exchange, c.res);
    if (response === c.res) return;
    // Hono's `res` setter merges the old response's headers into the new one; a replacement must
    // carry none of them (and a copy already has them all), so drop the old one first.
    c.res = undefined;
    c.res = response;
  };
  return Object.assign(middleware, { manager: http.manager });
}
