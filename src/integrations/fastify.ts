import type { FastifyPluginCallback } from "fastify";
import fastifyPlugin from "fastify-plugin";
import { SessionHttp, type SessionHttpOptions } from "../http/session-http.js";
import type { SessionManager } from "../session-manager.js";
import type { SessionData, SessionStore } from "../session-store.js";
import { fastifySessionHooks } from "./fastify-hooks.js";

/**
 * Types the data of `request.session` app-wide, by declaration merging:
 *
 * @example
 * declare module "prisma-sessions/fastify" {
 *   interface FastifySessionTypes {
 *     data: { cart: string[]; user: string };
 *   }
 * }
 */
// biome-ignore lint/suspicious/noEmptyInterface: empty on purpose, for applications to augment
export interface FastifySessionTypes {}

/** The session data type: what {@link FastifySessionTypes} says, else any record. */
export type FastifySessionData = FastifySessionTypes extends { data: infer Data extends SessionData }
  ? Data
  : SessionData;

declare module "fastify" {
  interface FastifyRequest {
    /** The request's session, unloaded until `await request.session.load()` (prisma-sessions). */
    session: SessionStore<FastifySessionData>;
  }
  interface FastifyInstance {
    /** The manager behind every request's session: per-user listing and log-out-everywhere (prisma-sessions). */
    sessionManager: SessionManager<FastifySessionData>;
  }
}

/** Options of {@link sessionPlugin}: the core options or a `SessionManager`, plus the cookie and outage options. */
export type FastifySessionOptions = SessionHttpOptions<FastifySessionData>;

const plugin: FastifyPluginCallback<FastifySessionOptions> = (fastify, options, done) => {
  const http = new SessionHttp<FastifySessionData>(options);
  const hooks = fastifySessionHooks(http);
  if (!fastify.hasRequestDecorator("session")) fastify.decorateRequest("session");
  if (!fastify.hasDecorator("sessionManager")) fastify.decorate("sessionManager", http.manager);
  fastify.addHook("onRequest", (request, _reply, next) => {
    // Registered twice (app-wide and in a child context): the first one owns the request.
    if (request.session === undefined) {
      request.session = hooks.begin(request);
    }
    next();
  });
  fastify.addHook("onSend", hooks.onSend);
  done();
};

/**
 * Sessions for Fastify 5: `fastify.register(sessionPlugin, options)`. Every request of the
 * context it is registered in (the whole app when registered at the root: the plugin is wrapped
 * with fastify-plugin, so it does not stay encapsulated in its own context) gets an unloaded
 * `request.session`. The session is settled in `onSend`: saved if needed, then `Set-Cookie` and
 * `Vary: Cookie` added, or status, headers and payload replaced by a 503 (storage down), 409 or
 * 500. To give sessions to only part of an app, register the plugin inside that part's own
 * (encapsulated) plugin. @fastify/cookie is not needed; with it, both kinds of cookies go out.
 *
 * @example
 * const app = Fastify();
 * await app.register(sessionPlugin, { connector: new PrismaConnector(prisma) });
 * app.post("/count", async (request) => {
 *   await request.session.load();
 *   request.session.set("count", Number(request.session.get("count") ?? 0) + 1);
 *   return { count: request.session.get("count") };
 * });
 */
export const sessionPlugin = fastifyPlugin(plugin, { fastify: "5.x", name: "prisma-sessions" });
