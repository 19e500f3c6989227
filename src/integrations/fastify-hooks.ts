import type { FastifyReply, FastifyRequest } from "fastify";
import { replacementHeaders, varyWithCookie } from "../http/response-headers.js";
import type { SessionHttp } from "../http/session-http.js";
import type { SessionExchange } from "../http/settle.js";
import type { SessionData, SessionStore } from "../session-store.js";

/**
 * The Fastify side of the HTTP layer, shared by the plugin and by NestJS on the Fastify platform
 * (whose middleware sees only the raw Node request): sessions are kept per raw request, begun
 * at the start of the request and settled in `onSend`, once the payload is serialized and before
 * anything is written, so the save's outcome can still decide the headers, the status and the body.
 */
export interface FastifySessionHooks<Data extends SessionData> {
  /**
   * Starts the session of a request (the raw Node request is its key): its cookie, whether it came
   * over HTTPS, and who sent it (`request.ip`, which follows Fastify's `trustProxy`). Makes no query.
   */
  begin(request: FastifyRequest): SessionStore<Data>;
  /** The session {@link begin} started for this raw request, if any. */
  find(raw: object): SessionStore<Data> | undefined;
  /**
   * The `onSend` hook: saves what needs saving, adds `Set-Cookie` and `Vary`, or replaces status,
   * headers and payload with the 503/409/500 answer. Holds the response only for the save.
   */
  onSend(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown>;
}

/** A payload Fastify would stream (the replaced answer makes it unused: release what it holds). */
function destroyStream(payload: unknown): void {
  if (typeof payload !== "object" || payload === null) return;
  const destroy: unknown = Reflect.get(payload, "destroy");
  if (typeof destroy === "function") Reflect.apply(destroy, payload, []);
}

/** The hooks over one `SessionHttp`; see {@link FastifySessionHooks}. */
export function fastifySessionHooks<Data extends SessionData>(http: SessionHttp<Data>): FastifySessionHooks<Data> {
  const exchanges = new WeakMap<object, SessionExchange<Data>>();
  return {
    begin(request) {
      const exchange = http.begin(request.headers.cookie, request.protocol === "https", {
        userAgent: request.headers["user-agent"],
        address: request.ip,
        host: request.host,
      });
      exchanges.set(request.raw, exchange);
      return exchange.session;
    },
    find: (raw) => exchanges.get(raw)?.session,
    async onSend(request, reply, payload) {
      const exchange = exchanges.get(request.raw);
      if (exchange === undefined) return payload;
      exchanges.delete(request.raw); // settled once, even when an error reply runs onSend again
      const outcome = await http.settle(exchange, reply.statusCode);
      if (outcome.kind === "replace") {
        for (const name of Object.keys(reply.getHeaders())) reply.removeHeader(name);
        reply.code(outcome.status);
        for (const [name, value] of replacementHeaders(outcome)) reply.header(name, value);
        destroyStream(payload);
        return outcome.message;
      }
      if (outcome.setCookie !== null) reply.header("set-cookie", outcome.setCookie); // appended to any others
      if (outcome.vary) reply.header("vary", varyWithCookie(reply.getHeader("vary")));
      return payload;
    },
  };
}
