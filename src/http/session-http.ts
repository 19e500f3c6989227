import { SessionManager } from "../session-manager.js";
import type { SessionOptions } from "../session-options.js";
import type { SessionData } from "../session-store.js";
import { clientInfo } from "./client.js";
import { cookieIsSecure, readSessionCookie } from "./cookie.js";
import { type HttpSessionOptions, type ResolvedHttpOptions, resolveHttpOptions } from "./http-options.js";
import { openRequestSession, type RequestSession } from "./request-session.js";
import { type SessionExchange, type SessionOutcome, settleSession } from "./settle.js";

/**
 * Options of an HTTP integration: the core options (or a `SessionManager` holding them, to share
 * it with the rest of the app) plus the cookie and outage options.
 */
export type SessionHttpOptions<Data extends SessionData = SessionData> = HttpSessionOptions &
  (SessionOptions | { manager: SessionManager<Data> });

/**
 * The framework-neutral core of the HTTP integrations: reads the cookie at the start of a request
 * and settles the session at its end. Integrations only move headers in and out.
 */
export class SessionHttp<Data extends SessionData = SessionData> {
  /** The manager behind every request's session: per-user operations go through it. */
  readonly manager: SessionManager<Data>;
  readonly options: ResolvedHttpOptions;
  /** The plain-HTTP warning was given (once per instance: it is about the deployment, not a request). */
  #warnedInsecure = false;

  constructor(input: SessionHttpOptions<Data>) {
    this.manager = "manager" in input ? input.manager : new SessionManager<Data>(input);
    this.options = resolveHttpOptions(input, this.manager.options.logger);
  }

  /**
   * Starts a request: reads the session cookie and gives an unloaded session (a new, loaded one
   * when the cookie carries no valid key). Makes no query.
   */
  begin(cookieHeader: string | undefined, https: boolean, client: RequestFacts = {}): SessionExchange<Data> {
    const cookie = readSessionCookie(cookieHeader, this.options);
    return { ...this.openSession(cookie.key, client, true), cookie, https, host: client.host ?? null };
  }

  /**
   * A request's session under this layer's options (storage policy, address policy), for the
   * client `request` describes; `answersForItself` and `hooks` as for {@link openRequestSession}.
   */
  openSession(
    key: string | null,
    request: RequestFacts,
    answersForItself: boolean,
    hooks: Parameters<typeof openRequestSession>[4] = {},
  ): RequestSession<Data> {
    const client = clientInfo(request.userAgent, request.address, this.options.clientAddress);
    return openRequestSession<Data>(
      key,
      this.manager.options,
      this.options.onStorageError,
      answersForItself,
      hooks,
      client,
    );
  }

  /**
   * Ends a request whose response has status `status`; see {@link settleSession}. Never rejects:
   * an unexpected failure (a bug, a throwing hook) is logged and answers 500, so that no
   * integration can leave a response waiting.
   */
  async settle(exchange: SessionExchange<Data>, status: number): Promise<SessionOutcome> {
    let outcome: SessionOutcome;
    try {
      outcome = await settleSession(this.options, exchange, status, this.manager.options.clock);
    } catch (error) {
      this.options.logger.error("settling the session failed unexpectedly", { error });
      return { kind: "replace", status: 500, message: "Internal Server Error", setCookie: null };
    }
    if (outcome.setCookie !== null) this.#warnIfDropped(exchange);
    return outcome;
  }

  /**
   * Browsers drop a `Secure` cookie set over plain HTTP (localhost aside), so every request starts
   * a new session: say so once, where a newcomer looks, instead of leaving it to a table in the docs.
   */
  #warnIfDropped({ https, host }: SessionExchange<Data>): void {
    if (this.#warnedInsecure || https || !cookieIsSecure(this.options, https) || isLocalHost(host)) return;
    this.#warnedInsecure = true;
    const message =
      "prisma-sessions: the session cookie is Secure, but this request came over plain HTTP" +
      `${host === null ? "" : ` to ${host}`}: browsers drop such cookies, so every request starts a new session. ` +
      'Serve the app over HTTPS (behind a proxy: app.set("trust proxy", 1)), or set cookie.secure: false for a ' +
      "plain-HTTP deployment (cookie.secure defaults to Secure outside NODE_ENV=development).";
    if (this.options.logger.warn) this.options.logger.warn(message);
    else console.warn(message);
  }
}

/** What an integration knows of the request beyond its cookie. */
export interface RequestFacts {
  userAgent?: string | null | undefined;
  /** The client's address (the address policy decides how much is kept). */
  address?: string | null | undefined;
  /** The `Host` the request was sent to. */
  host?: string | null | undefined;
}

/** Hosts on which browsers accept `Secure` cookies over plain HTTP. */
function isLocalHost(host: string | null | undefined): boolean {
  if (host === null || host === undefined) return false;
  const name = host
    .replace(/:\d+$/, "")
    .replace(/^\[|\]$/g, "")
    .toLowerCase();
  return name === "localhost" || name.endsWith(".localhost") || name === "127.0.0.1" || name === "::1";
}
