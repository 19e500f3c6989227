// Small helpers shared by the HTTP integration tests: reading Set-Cookie headers the way a
// browser would, with the cookie package.
import { parseSetCookie, type SetCookie } from "cookie";
import type { Response } from "supertest";

/** The raw Set-Cookie headers of a response. */
export function setCookies(res: Response): string[] {
  const header: unknown = res.headers["set-cookie"];
  if (header === undefined) return [];
  return Array.isArray(header) ? header.map(String) : [String(header)];
}

/** The Set-Cookie for `name`, parsed; `undefined` when the response sets none. */
export function cookieSet(res: Response, name: string): SetCookie | undefined {
  return setCookies(res)
    .map((header) => parseSetCookie(header))
    .find((cookie) => cookie.name === name);
}

/** `name=value` to send back, from the response's Set-Cookie (which must be there). */
export function cookieHeader(res: Response, name: string): string {
  const cookie = cookieSet(res, name);
  if (cookie?.value === undefined || cookie.value === "") throw new Error(`the response sets no ${name} cookie`);
  return `${name}=${cookie.value}`;
}

/** A clock tests move by hand (injected through the `clock` option; Date is never patched). */
export function manualClock(start = new Date("2030-01-01T00:00:00Z")): {
  clock: () => Date;
  advance(ms: number): void;
} {
  let now = start.getTime();
  return {
    clock: () => new Date(now),
    advance: (ms) => {
      now += ms;
    },
  };
}

export const DAY_MS = 24 * 60 * 60 * 1000;
