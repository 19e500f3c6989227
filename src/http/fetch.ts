import type { SessionData } from "../session-store.js";
import { type ReplacedOutcome, replacementHeaders, varyWithCookie } from "./response-headers.js";
import type { RequestFacts, SessionHttp } from "./session-http.js";
import type { SessionExchange, SessionOutcome } from "./settle.js";

// The web platform's side of the HTTP layer: from a `Request` (or its `Headers`) to a session,
// and from the settled session to the `Response`. Web APIs only (no `node:` import anywhere on
// this path), so it runs on Node, Bun, Deno and workers alike. The rules themselves (cookie,
// signing, save decision, outage policy) are the ones every integration shares: `SessionHttp`.

/** What a request's headers must answer (a `Headers`, or Next's read-only `headers()`). */
export interface HeaderReader {
  get(name: string): string | null;
}

/**
 * Whether the client used HTTPS: the first `X-Forwarded-Proto` (set by TLS-terminating proxies,
 * and by Next for direct requests), else the scheme of `url` when known. It only decides `Secure`
 * under `cookie.secure: "auto"` in development; everywhere else the cookie is always `Secure`.
 */
export function requestIsHttps(headers: HeaderReader, url?: string): boolean {
  const forwarded = headers.get("x-forwarded-proto")?.split(",")[0]?.trim();
  const scheme = forwarded ?? (url === undefined ? undefined : new URL(url).protocol.replace(/:$/, ""));
  return scheme === "https";
}

function isRequest(input: Request | HeaderReader): input is Request {
  return "headers" in input && typeof input.url === "string";
}

/**
 * What the headers tell of who sent a request: its User-Agent and Host; the client's address only
 * when the caller knows it (a `Request` carries none: the runtime's or framework's connection info
 * does, or the proxy's header the caller trusts).
 */
export function requestFacts(headers: HeaderReader, address?: string | null): RequestFacts {
  return { userAgent: headers.get("user-agent"), address: address ?? null, host: headers.get("host") };
}

/**
 * Starts a request's session from a `Request` (or only its `Headers`, when the URL is unknown):
 * reads the cookie and gives the unloaded session. Makes no query. `address` is the client's
 * address when the caller knows it (for device lists).
 */
export function beginFetch<Data extends SessionData>(
  http: SessionHttp<Data>,
  request: Request | HeaderReader,
  address?: string | null,
): SessionExchange<Data> {
  const headers = isRequest(request) ? request.headers : request;
  const url = isRequest(request) ? request.url : undefined;
  return http.begin(headers.get("cookie") ?? undefined, requestIsHttps(headers, url), requestFacts(headers, address));
}

/** The short plain-text `Response` that replaces the application's (503, 409, 500). */
export function replacementResponse(outcome: ReplacedOutcome): Response {
  return new Response(outcome.message, { status: outcome.status, headers: replacementHeaders(outcome) });
}

/**
 * Applies `edit` to the response's headers, in place when they are mutable, else to a copy (a
 * `Response` from `fetch()` or `Response.redirect()` has immutable headers).
 */
export function editHeaders(response: Response, edit: (headers: Headers) => void): Response {
  try {
    edit(response.headers);
    return response;
  } catch (error) {
    // By name: the runtime's TypeError may come from another realm (a VM context, an iframe).
    if (typeof error !== "object" || error === null || Reflect.get(error, "name") !== "TypeError") throw error;
    const copy = new Response(response.body, response);
    edit(copy.headers);
    return copy;
  }
}

/**
 * The response as a settled session needs it: the application's, with `Set-Cookie` and `Vary`
 * added where due, or the replacement answer. The same response object when nothing is added
 * and its headers can change.
 */
export function applyOutcome(response: Response, outcome: SessionOutcome): Response {
  if (outcome.kind === "replace") return replacementResponse(outcome);
  const { setCookie, vary } = outcome;
  if (setCookie === null && !vary) return response;
  return editHeaders(response, (headers) => {
    if (setCookie !== null) headers.append("Set-Cookie", setCookie);
    if (vary) headers.set("Vary", varyWithCookie(headers.get("Vary")));
  });
}

/** Ends a request: settles its session for the response's status and applies the outcome. */
export async function settleFetch<Data extends SessionData>(
  http: SessionHttp<Data>,
  exchange: SessionExchange<Data>,
  response: Response,
): Promise<Response> {
  return applyOutcome(response, await http.settle(exchange, response.status));
}
