import { ConnectorError } from "../errors.js";
import { beginFetch, replacementResponse } from "../http/fetch.js";
import type { SessionHttp } from "../http/session-http.js";
import type { SessionData } from "../session-store.js";
import { forwardedAddress, type NextCookieStore, toNextCookie } from "./next-headers.js";

/** A response from the proxy layer: a `NextResponse` (whose cookie jar is kept in step) or a plain `Response`. */
export type ProxyResponse = Response & { cookies?: Pick<NextCookieStore, "set"> };

/**
 * Refreshes the session of a page request in Next's proxy layer (`proxy.ts`, formerly
 * `middleware.ts`), where cookies can be sent before Server Components render: loads the session
 * the cookie names (one primary-key read), extends its idle deadline once half of it has passed
 * (the same throttled write as the HTTP layer) and adds the re-dated cookie to `response`. A cookie
 * whose session is gone is cleared. Only GET and HEAD requests: Server Actions and Route Handlers
 * write through `getSession()` themselves, and two writers of one cookie in one response would race.
 * Without a well-formed cookie it does nothing and makes no query.
 */
export async function refreshInProxy<Data extends SessionData, R extends ProxyResponse>(
  http: SessionHttp<Data>,
  request: Request,
  response: R,
): Promise<R | Response> {
  if (request.method !== "GET" && request.method !== "HEAD") return response;
  const exchange = beginFetch(http, request, forwardedAddress(request.headers));
  if (exchange.cookie.key === null) return response;
  await exchange.session.load().catch((error: unknown) => {
    if (!(error instanceof ConnectorError)) throw error; // recorded on the session: settle answers for it
  });
  const outcome = await http.settle(exchange, 200);
  if (outcome.kind === "replace") {
    // Storage unreachable under fail-closed: the page would fail anyway, answer as the HTTP layer does.
    return replacementResponse(outcome);
  }
  if (outcome.setCookie === null) return response;
  // Through NextResponse's jar when there is one: it rewrites Set-Cookie from its own state on its next change.
  if (response.cookies) response.cookies.set(toNextCookie(outcome.setCookie));
  else response.headers.append("Set-Cookie", outcome.setCookie);
  return response;
}
