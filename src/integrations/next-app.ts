import { SessionReadOnly } from "../errors.js";
import { clearedCookie, cookieIsSecure, type IncomingSessionCookie, readSessionCookieValues } from "../http/cookie.js";
import { RequestSession } from "../http/request-session.js";
import type { SessionHttp } from "../http/session-http.js";
import { cookieChange } from "../http/settle.js";
import type { SessionData } from "../session-store.js";
import {
  cookieStoreIsWritable,
  loadNextHeaders,
  type NextCookieStore,
  requestIsHttps,
  toNextCookie,
} from "./next-headers.js";

/**
 * The session of an App Router request (Route Handler, Server Action or Server Component). A
 * `SessionStore` whose `save()` and `destroy()` also write or clear the cookie through
 * `cookies()`, with the attributes the HTTP layer uses. Where Next cannot send cookies (a Server
 * Component while it renders) it is read-only: `save()` and `destroy()` throw
 * {@link SessionReadOnly} before touching storage.
 */
export class NextSession<Data extends SessionData = SessionData> extends RequestSession<Data> {
  readonly #http: SessionHttp<Data>;
  readonly #store: NextCookieStore;
  readonly #cookie: IncomingSessionCookie;
  readonly #https: boolean;
  /** A cookie was written in this response: a later `destroy()` must clear it. */
  #sent = false;

  constructor(http: SessionHttp<Data>, store: NextCookieStore, cookie: IncomingSessionCookie, https: boolean) {
    super(cookie.key, http.manager.options, http.options.onStorageError, false);
    this.#http = http;
    this.#store = store;
    this.#cookie = cookie;
    this.#https = https;
  }

  /** Whether this request can send cookies: true in Route Handlers and Server Actions. */
  get writable(): boolean {
    return cookieStoreIsWritable(this.#store);
  }

  /**
   * Writes the session (see `SessionStore.save`) and sends the cookie when its key or deadline
   * changed. @throws SessionReadOnly in a Server Component.
   */
  override async save(): Promise<void> {
    this.#requireWritable("save()");
    await super.save();
    if (this.storageError !== null) return; // fail-open: this request has no session
    const exchange = { session: this, cookie: this.#cookie, https: this.#https };
    this.#send(cookieChange(this.#http.options, exchange, true, this.#secure, this.#http.manager.options.clock()));
  }

  /**
   * Ends this session (row and cookie), or deletes another one by key (no cookie change).
   * @throws SessionReadOnly in a Server Component, for this session.
   */
  override async destroy(sessionKey?: string): Promise<void> {
    if (sessionKey !== undefined && sessionKey !== this.sessionKey) return super.destroy(sessionKey);
    this.#requireWritable("destroy()");
    await super.destroy();
    if (this.#cookie.present || this.#sent) this.#send(clearedCookie(this.#http.options, this.#secure));
  }

  get #secure(): boolean {
    return cookieIsSecure(this.#http.options, this.#https);
  }

  #requireWritable(what: string): void {
    if (this.writable) return;
    throw new SessionReadOnly(
      `session.${what} cannot run in a Server Component: Next.js sends no cookies while rendering. ` +
        "Write from a Server Action or Route Handler; the proxy helper refreshes the expiry.",
    );
  }

  #send(setCookie: string | null): void {
    if (setCookie === null) return;
    try {
      this.#store.set(toNextCookie(setCookie));
    } catch (error) {
      throw new SessionReadOnly("Next.js refused to set the session cookie here", { cause: error });
    }
    this.#sent = true;
  }
}

/**
 * The App Router request's session, unloaded: reads the cookie through `next/headers` and makes
 * no query until `load()`.
 */
export async function appRouterSession<Data extends SessionData>(http: SessionHttp<Data>): Promise<NextSession<Data>> {
  const next = await loadNextHeaders();
  const [store, headers] = await Promise.all([next.cookies(), next.headers()]);
  const values = store.getAll(http.options.name).map((cookie) => cookie.value);
  return new NextSession<Data>(http, store, readSessionCookieValues(values, http.options), requestIsHttps(headers));
}
