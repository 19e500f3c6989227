import { SessionManager } from "../session-manager.js";
import type { SessionOptions } from "../session-options.js";
import type { SessionData } from "../session-store.js";
import { clientInfo } from "./client.js";
import { readSessionCookie } from "./cookie.js";
import { type HttpSessionOptions, type ResolvedHttpOptions, resolveHttpOptions } from "./http-options.js";
import { openRequestSession } from "./request-session.js";
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

  constructor(input: SessionHttpOptions<Data>) {
    this.manager = "manager" in input ? input.manager : new SessionManager<Data>(input);
    this.options = resolveHttpOptions(input, this.manager.options.logger);
  }

  /**
   * Starts a request: reads the session cookie and gives an unloaded session (a new, loaded one
   * when the cookie carries no valid key). Makes no query.
   */
  begin(
    cookieHeader: string | undefined,
    https: boolean,
    client: { userAgent?: string | null | undefined; address?: string | null | undefined } = {},
  ): SessionExchange<Data> {
    const cookie = readSessionCookie(cookieHeader, this.options);
    const seen = clientInfo(client.userAgent, client.address, this.options.clientAddress);
    const opened = openRequestSession<Data>(
      cookie.key,
      this.manager.options,
      this.options.onStorageError,
      true,
      {},
      seen,
    );
    return { ...opened, cookie, https };
  }

  /** Ends a request whose response has status `status`; see {@link settleSession}. */
  settle(exchange: SessionExchange<Data>, status: number): Promise<SessionOutcome> {
    return settleSession(this.options, exchange, status, this.manager.options.clock);
  }
}
