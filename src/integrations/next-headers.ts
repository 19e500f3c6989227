import { parseSetCookie } from "cookie";
import type { HeaderReader } from "../http/fetch.js";
import { memoizeUntilFailure } from "../memo.js";

/** The part of Next's cookie store (`await cookies()`, `NextResponse#cookies`) prisma-sessions uses. */
export interface NextCookieStore {
  getAll(name: string): { name: string; value: string }[];
  set(cookie: NextCookie): unknown;
  delete(name: string): unknown;
}

/** A cookie as Next's `cookies().set(…)` takes it. */
export interface NextCookie {
  name: string;
  value: string;
  expires?: Date;
  maxAge?: number;
  domain?: string;
  path?: string;
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: boolean | "lax" | "strict" | "none";
}

/** What `next/headers` and `next/server` export, structurally: the package never needs Next's types. */
interface NextHeaders {
  cookies(): Promise<NextCookieStore>;
  headers(): Promise<HeaderReader>;
  /** Resolves at request time only; in a prerender (the build's, a runtime prefetch's) it never does. */
  connection(): Promise<void>;
}

/**
 * `next/headers` and `next/server`, imported on first use and cached, so importing
 * prisma-sessions/next never requires Next (better-auth does the same).
 */
export const loadNextHeaders: () => Promise<NextHeaders> = memoizeUntilFailure(() =>
  Promise.all([import("next/headers.js"), import("next/server.js")]).then(
    ([headers, server]): NextHeaders => ({
      cookies: headers.cookies,
      headers: headers.headers,
      connection: server.connection,
    }),
  ),
);

/**
 * Next seals the cookie store while a Server Component renders: `set`, `delete` and `clear` all
 * become the same function, which throws. In Route Handlers and Server Actions each access gives
 * a fresh wrapper. Checking costs nothing and writes nothing, so a save can refuse before it
 * touches the database.
 */
export function cookieStoreIsWritable(store: NextCookieStore): boolean {
  return !Object.is(store.set, store.delete);
}

/** The client's address as Next tells it: the first `X-Forwarded-For` entry (Next sets the header itself). */
export function forwardedAddress(headers: { get(name: string): string | null }): string | null {
  const forwarded = headers.get("x-forwarded-for")?.split(",")[0]?.trim();
  return forwarded === undefined || forwarded === "" ? null : forwarded;
}

/** A `Set-Cookie` value made by the HTTP layer, as the object Next's cookie stores take. */
export function toNextCookie(setCookie: string): NextCookie {
  const { name, value, ...attributes } = parseSetCookie(setCookie);
  const cookie: NextCookie = { name, value: value ?? "" };
  if (attributes.expires !== undefined) cookie.expires = attributes.expires;
  if (attributes.maxAge !== undefined) cookie.maxAge = attributes.maxAge;
  if (attributes.domain !== undefined) cookie.domain = attributes.domain;
  if (attributes.path !== undefined) cookie.path = attributes.path;
  if (attributes.httpOnly !== undefined) cookie.httpOnly = attributes.httpOnly;
  if (attributes.secure !== undefined) cookie.secure = attributes.secure;
  if (attributes.sameSite !== undefined) cookie.sameSite = attributes.sameSite;
  return cookie;
}
