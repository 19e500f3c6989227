import { SessionError } from "./errors.js";

/**
 * Longest owner id, in characters (code points): the `user_id` column is `VARCHAR(191)` on
 * MySQL/MariaDB (the longest indexable utf8mb4 string), the limit every provider then shares.
 */
export const MAX_USER_ID_LENGTH = 191;

/** A lone UTF-16 surrogate: databases store it as U+FFFD, so the id would never match again. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function invalid(why: string): SessionError {
  return new SessionError(`Invalid userId: ${why}`, "INVALID_USER_ID");
}

/**
 * Checks an owner id before any query: a non-empty string of at most
 * {@link MAX_USER_ID_LENGTH} characters without NUL or lone surrogates, which every provider
 * stores and compares exactly. Throws `SessionError` with code `INVALID_USER_ID` otherwise.
 */
export function checkUserId(value: unknown): string {
  if (typeof value !== "string") throw invalid(`expected a string, got ${value === null ? "null" : typeof value}`);
  if (value.length === 0) throw invalid("it is empty (use null for a session without an owner)");
  if (value.includes("\u0000")) throw invalid("it contains a NUL character");
  if (LONE_SURROGATE.test(value)) throw invalid("it contains a lone UTF-16 surrogate");
  // Code points, as the databases count characters; .length counts UTF-16 units.
  let length = 0;
  for (const _ of value)
    if (++length > MAX_USER_ID_LENGTH) throw invalid(`it is longer than ${MAX_USER_ID_LENGTH} characters`);
  return value;
}
