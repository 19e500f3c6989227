import { SessionReadOnly } from "../errors.js";
import { clearedCookie, cookieIsSecure, readSessionCookieValues } from "../http/cookie.js";
import { requestFacts, requestIsHttps } from "../http/fetch.js";
import type { SessionHttp } from "../http/session-http.js";
import { cookieChange, type SessionExchange } from "../http/settle.js";
import type { SessionData, SessionStore } from "../session-store.js";
import {
  cookieStoreIsWritable,
  forwardedAddress,
  loadNextHeaders,
  type NextCookieStore,
  toNextCookie,
} from "./next-headers.js";

/**
 * The session of an App Router request (Route Handler, Server Action or Server Component): a
 * `SessionStore` whose `save()` and `destroy()` also write or clear the cookie through
 * `cookies()`, with the attributes the HTTP layer uses.
 */
export type NextSession<Data extends SessionData = SessionData> = SessionStore<Data>;

function refuse(what: string): SessionReadOnly {
  return new SessionReadOnly(
    `session.${what} cannot run in a Server Component: Next.js sends no cookies while rendering. ` +
      "Write from a Server Action or Route Handler; the proxy helper refreshes the expiry.",
  );
}

/**
 * The App Router request's session, unloaded: reads the cookie through `next/headers` and makes
 * no query until `load()`. Where Next cannot send cookies (a Server Component while it renders)
 * it is read-only: `save()` and `destroy()` throw {@link SessionReadOnly} before touching storage.
 * There is no response to replace here, so under `"fail-closed"` a storage failure throws.
 * It awaits Next's `connection()` first, so it resolves at request time only: under
 * `cacheComponents` a page renders its caller inside `<Suspense>`.
 */
export async function appRouterSession<Data extends SessionData>(http: SessionHttp<Data>): Promise<NextSession<Data>> {
  const next = await loadNextHeaders();
  // Under cacheComponents Next also renders pages with no request to answer (the build's prerender,
  // runtime prefetches), with a cookie store whose writes fail only after the row was written. A
  // session reads the clock and storage for one request: there, rendering stops here.
  await next.connection();
  const [store, headers] = await Promise.all([next.cookies(), next.headers()]);
  const values = store.getAll(http.options.name).map((cookie) => cookie.value);
  const cookie = readSessionCookieValues(values, http.options);
  const https = requestIsHttps(headers);
  const secure = cookieIsSecure(http.options, https);
  /** A cookie was written in this response: a later `destroy()` must clear it. */
  let sent = false;

  const send = (setCookie: string | null, cookies: NextCookieStore): void => {
    if (setCookie === null) return;
    try {
      cookies.set(toNextCookie(setCookie));
    } catch (error) {
      throw new SessionReadOnly("Next.js refused to set the session cookie here", { cause: error });
    }
    sent = true;
  };

  const opened = http.openSession(cookie.key, requestFacts(headers, forwardedAddress(headers)), false, {
    beforeWrite: (operation) => {
      if (!cookieStoreIsWritable(store)) throw refuse(`${operation}()`);
    },
    afterWrite: (operation) => {
      if (operation === "destroy") {
        if (cookie.present || sent) send(clearedCookie(http.options, secure), store);
        return;
      }
      const exchange: SessionExchange<Data> = { ...opened, cookie, https };
      send(cookieChange(http.options, exchange, true, secure, http.manager.options.clock()), store);
    },
  });
  return opened.session;
}
