import type { IncomingMessage, ServerResponse } from "node:http";
import { type AttachedSession, attachSession } from "../http/node-request.js";
import { SessionHttp, type SessionHttpOptions } from "../http/session-http.js";
import type { SessionManager } from "../session-manager.js";
import type { SessionData, SessionStore } from "../session-store.js";
import { appRouterSession, type NextSession } from "./next-app.js";
import { type ProxyResponse, refreshInProxy } from "./next-proxy.js";

/** Options of {@link nextSessions}: the core options or a `SessionManager`, plus the cookie and outage options. */
export type NextSessionsOptions<Data extends SessionData = SessionData> = SessionHttpOptions<Data>;

/** A Pages Router request carrying its session, as {@link NextSessions.withSession} passes it. */
export type RequestWithSession<Req extends IncomingMessage, Data extends SessionData> = Req & {
  session: SessionStore<Data>;
};

/** Sessions for a Next.js application: one object for the App Router, the proxy and the Pages Router. */
export interface NextSessions<Data extends SessionData = SessionData> {
  /** The manager behind every session: per-user listing and log-out-everywhere. */
  readonly manager: SessionManager<Data>;
  /**
   * App Router (Route Handlers, Server Actions, Server Components): this request's session,
   * unloaded (`await session.load()` reads it). `save()` and `destroy()` write the cookie; in a
   * Server Component they throw `SessionReadOnly`. Each call gives a new store. Request time only
   * (it awaits `connection()`): under `cacheComponents`, render its caller inside `<Suspense>`.
   */
  getSession(): Promise<NextSession<Data>>;
  /**
   * Pages Router API routes: the request's session (the same one on every call for a request),
   * saved and sent when the handler ends the response, as with the Express middleware.
   */
  getSession(req: IncomingMessage, res: ServerResponse): Promise<SessionStore<Data>>;
  /**
   * Wraps a Pages Router API route: `req.session` is the request's session, settled (saved, cookie
   * sent) when the handler ends the response; the wrapper resolves only once the response went out.
   */
  withSession<Req extends IncomingMessage, Res extends ServerResponse, Result>(
    handler: (req: RequestWithSession<Req, Data>, res: Res) => Result | Promise<Result>,
  ): (req: Req, res: Res) => Promise<Result>;
  /**
   * For `proxy.ts`: refreshes the session cookie and its throttled idle deadline on GET and HEAD
   * requests, so sessions used only by Server Components keep sliding. Returns `response` (or a 503
   * when storage is unreachable under fail-closed).
   */
  refresh<R extends ProxyResponse>(request: Request, response: R): Promise<R | Response>;
}

/**
 * Sessions for Next.js 16 (App Router, `proxy.ts`, Pages Router API routes). Next is imported
 * lazily (`next/headers`, on the first App Router call), so this module loads without it.
 *
 * @example
 * // lib/sessions.ts
 * export const sessions = nextSessions<{ cart: string[] }>({ connector: new PrismaConnector(prisma) });
 * // app/api/cart/route.ts
 * export async function POST(request: Request) {
 *   const session = await sessions.getSession();
 *   await session.load();
 *   session.set("cart", [...(session.get("cart") ?? []), (await request.json()).item]);
 *   await session.save(); // writes the row, sets the cookie
 *   return Response.json(session.get("cart"));
 * }
 */
export function nextSessions<Data extends SessionData = SessionData>(
  options: NextSessionsOptions<Data>,
): NextSessions<Data> {
  const http = new SessionHttp<Data>(options);
  const attached = new WeakMap<IncomingMessage, AttachedSession<Data>>();

  const attach = (req: IncomingMessage, res: ServerResponse): AttachedSession<Data> => {
    let found = attached.get(req);
    if (found === undefined) {
      found = attachSession(http, req, res);
      attached.set(req, found);
    }
    return found;
  };

  function getSession(): Promise<NextSession<Data>>;
  function getSession(req: IncomingMessage, res: ServerResponse): Promise<SessionStore<Data>>;
  async function getSession(req?: IncomingMessage, res?: ServerResponse): Promise<SessionStore<Data>> {
    if (req === undefined || res === undefined) return appRouterSession(http);
    return attach(req, res).session;
  }

  const withSession =
    <Req extends IncomingMessage, Res extends ServerResponse, Result>(
      handler: (req: RequestWithSession<Req, Data>, res: Res) => Result | Promise<Result>,
    ) =>
    async (req: Req, res: Res): Promise<Result> => {
      const { session, sent } = attach(req, res);
      const result = await handler(Object.assign(req, { session }), res);
      await sent();
      return result;
    };

  return {
    manager: http.manager,
    getSession,
    withSession,
    refresh: (request, response) => refreshInProxy(http, request, response),
  };
}
