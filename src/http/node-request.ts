import type { IncomingMessage, ServerResponse } from "node:http";
import type { SessionData, SessionStore } from "../session-store.js";
import { holdResponse } from "./node-response.js";
import type { SessionHttp } from "./session-http.js";

/** A Node request's session, as {@link attachSession} put it on `req.session`. */
export interface AttachedSession<Data extends SessionData = SessionData> {
  readonly session: SessionStore<Data>;
  /** Settles once the response went out with the session's headers (at once if it has not started). */
  sent(): Promise<void>;
}

/** Whether the request came over HTTPS: Express's `req.secure` (which honours `trust proxy`), else the socket. */
function isHttps(req: IncomingMessage): boolean {
  const secure: unknown = Reflect.get(req, "secure");
  if (typeof secure === "boolean") return secure;
  return Reflect.get(req.socket, "encrypted") === true;
}

/** The client's address: Express's `req.ip` (which honours `trust proxy`), else the socket's. */
function clientAddress(req: IncomingMessage): string | undefined {
  const ip: unknown = Reflect.get(req, "ip");
  return typeof ip === "string" ? ip : req.socket.remoteAddress;
}

/**
 * Starts a session for a Node `(req, res)` pair (Express, Next's Pages Router, plain `http`): reads
 * the cookie, puts the unloaded session on `req.session`, and holds the response until the
 * session is settled (see {@link holdResponse}).
 */
export function attachSession<Data extends SessionData>(
  http: SessionHttp<Data>,
  req: IncomingMessage,
  res: ServerResponse,
): AttachedSession<Data> {
  const exchange = http.begin(req.headers.cookie, isHttps(req), {
    userAgent: req.headers["user-agent"],
    address: clientAddress(req),
    host: req.headers.host,
  });
  Object.defineProperty(req, "session", {
    value: exchange.session,
    configurable: true,
    enumerable: true,
    writable: true,
  });
  const sent = holdResponse(
    res,
    (status) => http.settle(exchange, status),
    (error) => http.options.logger.error("sending the response after the session failed unexpectedly", { error }),
  );
  return { session: exchange.session, sent };
}
