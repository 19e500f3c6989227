import { parse, type SerializeOptions, serialize } from "cookie";
import { isValidSessionKey } from "../keys.js";
import type { ResolvedHttpOptions } from "./http-options.js";
import { signValue, unsignValue } from "./signing.js";

/** Longer than any key we issue, signed or not: anything beyond is not ours. */
const MAX_COOKIE_VALUE = 256;

/** What the request's `Cookie` header says about the session. */
export interface IncomingSessionCookie {
  /** The header carries a cookie of our name, whatever its value. */
  present: boolean;
  /** The well-formed, verified key it carries; `null` for none, garbage or a bad signature. */
  key: string | null;
}

/**
 * Reads the session key from a `Cookie` header. Missing, garbled, oversized, wrongly encoded,
 * unsigned or badly signed values, and a name sent twice (which one would be ours?), all mean
 * "no session". Never throws and never queries storage.
 */
export function readSessionCookie(header: string | undefined, options: ResolvedHttpOptions): IncomingSessionCookie {
  if (typeof header !== "string" || header.length === 0) return { present: false, key: null };
  // `parse` keeps only the first of duplicated names; parse pair by pair to see them all.
  const values = header
    .split(";")
    .map((pair) => parse(pair)[options.name])
    .filter((value) => value !== undefined);
  return readSessionCookieValues(values, options);
}

/**
 * Reads the session key from the decoded values the request carries under the cookie's name (for
 * frameworks that parse cookies themselves, like Next's `cookies()`), with the rules of
 * {@link readSessionCookie}.
 */
export function readSessionCookieValues(
  values: readonly string[],
  options: ResolvedHttpOptions,
): IncomingSessionCookie {
  if (values.length === 0) return { present: false, key: null };
  const [value] = values;
  if (values.length > 1 || value === undefined || value.length > MAX_COOKIE_VALUE) return { present: true, key: null };
  const key = options.secrets.length > 0 ? unsignValue(value, options.secrets) : value;
  return { present: true, key: isValidSessionKey(key) ? key : null };
}

function attributes(options: ResolvedHttpOptions, secure: boolean): SerializeOptions {
  return {
    path: options.path,
    httpOnly: options.httpOnly,
    sameSite: options.sameSite,
    secure,
    ...(options.domain === undefined ? {} : { domain: options.domain }),
  };
}

/** Whether the cookie gets `Secure` on this request. */
export function cookieIsSecure(options: ResolvedHttpOptions, requestIsHttps: boolean): boolean {
  return options.secure === "always" || (options.secure === "https" && requestIsHttps);
}

/**
 * The `Set-Cookie` value carrying `key`: `Expires` and `Max-Age` from the deadline, or neither for
 * a cookie that should end with the browser session.
 */
export function sessionCookie(
  options: ResolvedHttpOptions,
  key: string,
  expiry: { expiresAt: Date; browserSession: boolean; now: Date },
  secure: boolean,
): string {
  const [secret] = options.secrets;
  const value = secret === undefined ? key : signValue(key, secret);
  const lifetime = expiry.browserSession
    ? {}
    : {
        expires: expiry.expiresAt,
        maxAge: Math.max(0, Math.floor((expiry.expiresAt.getTime() - expiry.now.getTime()) / 1000)),
      };
  return serialize(options.name, value, { ...attributes(options, secure), ...lifetime });
}

/** The `Set-Cookie` value that makes the browser drop the session cookie. */
export function clearedCookie(options: ResolvedHttpOptions, secure: boolean): string {
  return serialize(options.name, "", { ...attributes(options, secure), expires: new Date(0), maxAge: 0 });
}
