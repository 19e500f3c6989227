import { nanoid } from "nanoid";
import { digests } from "./digest.js";

/** Length of a generated session key: 32 URL-safe characters, about 190 bits of entropy. */
export const SESSION_KEY_LENGTH = 32;

const KEY_FORMAT = /^[A-Za-z0-9_-]{32}$/;

/**
 * A new random session key: nanoid, 32 characters from `A-Za-z0-9_-` (about 190 bits). nanoid's
 * Node build takes its randomness from `node:crypto`; bundlers for workers and browsers pick its
 * Web Crypto build through the `browser` export condition.
 */
export function generateSessionKey(): string {
  return nanoid(SESSION_KEY_LENGTH);
}

/** Whether `value` has the shape of a generated key. Anything else is never sent to storage. */
export function isValidSessionKey(value: unknown): value is string {
  return typeof value === "string" && KEY_FORMAT.test(value);
}

/**
 * The storage id of a key: its SHA-256 hex digest. A random 190-bit key needs no salt or slow
 * hash; the digest only keeps a dump of the table from yielding usable cookies.
 */
export function hashSessionKey(key: string): string {
  return digests.sha256Hex(key);
}

/** The first characters of a key, for logs and `toString()`; never the whole key. */
export function redactSessionKey(key: string | null): string {
  return key === null ? "(none)" : `${key.slice(0, 4)}…`;
}
