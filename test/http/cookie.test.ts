import { afterEach, describe, expect, it } from "@jest/globals";
import { parseSetCookie } from "cookie";
import { clearedCookie, cookieIsSecure, readSessionCookie, sessionCookie } from "../../src/http/cookie.js";
import { type HttpSessionOptions, resolveHttpOptions } from "../../src/http/http-options.js";
import { signValue, unsignValue } from "../../src/http/signing.js";
import { ConfigError, SessionStore } from "../../src/index.js";

const KEY = SessionStore.generateSessionId();
const resolve = (options: HttpSessionOptions = {}) => resolveHttpOptions(options, {});

describe("reading the session cookie", () => {
  const options = resolve();

  it("finds the key among other cookies", () => {
    expect(readSessionCookie(`theme=dark; session_id=${KEY}; lang=fr`, options)).toEqual({ present: true, key: KEY });
  });

  it("no header, or no cookie of that name, is no session and not present", () => {
    expect(readSessionCookie(undefined, options)).toEqual({ present: false, key: null });
    expect(readSessionCookie("", options)).toEqual({ present: false, key: null });
    expect(readSessionCookie("other=1", options)).toEqual({ present: false, key: null });
  });

  it.each([
    ["an empty value", "session_id="],
    ["garbage", "session_id=<script>"],
    ["a quoted key", `session_id="${KEY}"`],
    ["a value too long for a key", `session_id=${KEY}${KEY}`],
    ["an oversized value", `session_id=${"a".repeat(10_000)}`],
    ["a wrongly encoded value", `session_id=%ZZ${KEY.slice(3)}`],
    ["a percent-encoded non-key", `session_id=${encodeURIComponent(`${KEY.slice(1)}+`)}`],
    ["a duplicated cookie, even of one key", `session_id=${KEY}; session_id=${KEY}`],
  ])("%s is present but carries no key", (_label, header) => {
    expect(readSessionCookie(header, options)).toEqual({ present: true, key: null });
  });

  it("reads a cookie of another configured name", () => {
    expect(readSessionCookie(`sid=${KEY}`, resolve({ cookie: { name: "sid" } })).key).toBe(KEY);
  });
});

describe("signed cookies", () => {
  const signed = resolve({ secrets: ["new secret", "old secret"] });

  it("the first secret signs; HMAC-SHA256 in base64url", () => {
    const value = signValue(KEY, "new secret");
    expect(value).toMatch(new RegExp(`^${KEY}\\.[A-Za-z0-9_-]{43}$`));
    expect(readSessionCookie(`session_id=${value}`, signed).key).toBe(KEY);
  });

  it("every secret verifies, so a secret can be rotated", () => {
    expect(readSessionCookie(`session_id=${signValue(KEY, "old secret")}`, signed).key).toBe(KEY);
  });

  it.each([
    ["an unknown secret", signValue(KEY, "someone else's")],
    ["a changed key", signValue(KEY, "new secret").replace(KEY.slice(0, 4), "AAAA")],
    ["a truncated signature", signValue(KEY, "new secret").slice(0, -2)],
    ["no signature", KEY],
    ["an empty signature", `${KEY}.`],
  ])("a cookie signed with %s is no session", (_label, value) => {
    expect(readSessionCookie(`session_id=${value}`, signed)).toEqual({ present: true, key: null });
  });

  it("only the canonical spelling of a signature passes", () => {
    // The last base64url character of a 32-byte MAC carries 4 bits; its 2 spare bits must be zero.
    const value = signValue(KEY, "new secret");
    const last = value.at(-1) ?? "";
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const sameBits = alphabet[alphabet.indexOf(last) + 1] ?? "";
    expect(unsignValue(value.slice(0, -1) + sameBits, ["new secret"])).toBeNull();
  });

  it("unsignValue needs a value before the dot", () => {
    expect(unsignValue(".abc", ["s"])).toBeNull();
  });
});

describe("writing the session cookie", () => {
  const now = new Date("2030-01-01T00:00:00Z");
  const expiresAt = new Date("2030-01-08T00:00:00Z");

  it("carries the safe defaults, Max-Age and Expires from the deadline, and no Domain", () => {
    const cookie = parseSetCookie(sessionCookie(resolve(), KEY, { expiresAt, browserSession: false, now }, true));
    expect(cookie).toEqual({
      name: "session_id",
      value: KEY,
      path: "/",
      httpOnly: true,
      sameSite: "lax",
      secure: true,
      maxAge: 7 * 24 * 3600,
      expires: expiresAt,
    });
  });

  it("a browser-session cookie has neither Max-Age nor Expires", () => {
    const header = sessionCookie(resolve(), KEY, { expiresAt, browserSession: true, now }, false);
    expect(header).toBe(`session_id=${KEY}; Path=/; HttpOnly; SameSite=Lax`);
  });

  it("a configured domain, path, SameSite and signature are honoured", () => {
    const options = resolve({
      cookie: { domain: "example.com", path: "/app", sameSite: "strict", httpOnly: false },
      secrets: ["s1"],
    });
    const cookie = parseSetCookie(sessionCookie(options, KEY, { expiresAt, browserSession: true, now }, true));
    expect(cookie).toMatchObject({
      domain: "example.com",
      path: "/app",
      sameSite: "strict",
      value: signValue(KEY, "s1"),
    });
    expect(cookie.httpOnly).toBeUndefined();
  });

  it("clearing sends an empty value that expired at the epoch", () => {
    expect(clearedCookie(resolve(), false)).toBe(
      "session_id=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax",
    );
  });
});

describe("Secure", () => {
  const environment = process.env.NODE_ENV;
  afterEach(() => {
    process.env.NODE_ENV = environment;
  });

  it("is always on outside development by default", () => {
    process.env.NODE_ENV = "production";
    expect(cookieIsSecure(resolve(), false)).toBe(true);
  });

  it("in development it follows the request's protocol", () => {
    process.env.NODE_ENV = "development";
    const options = resolve();
    expect(cookieIsSecure(options, false)).toBe(false);
    expect(cookieIsSecure(options, true)).toBe(true);
  });

  it("true and false force it", () => {
    expect(cookieIsSecure(resolve({ cookie: { secure: true } }), false)).toBe(true);
    expect(cookieIsSecure(resolve({ cookie: { secure: false } }), true)).toBe(false);
  });
});

describe("option validation", () => {
  it.each([
    ["an invalid cookie name", { cookie: { name: "bad name" } }],
    ["an invalid path", { cookie: { path: "/a;b" } }],
    ["an empty secret", { secrets: [""] }],
    ["SameSite=None without Secure", { cookie: { sameSite: "none", secure: false } }],
    ["an unknown outage policy", { onStorageError: "retry" }],
  ])("%s is a ConfigError", (_label, options) => {
    // Deliberately invalid input, as untyped (JavaScript or JSON) configuration can give.
    expect(() => resolve(options as HttpSessionOptions)).toThrow(ConfigError);
  });
});
