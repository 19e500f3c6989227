import { createHmac, timingSafeEqual } from "node:crypto";

function signature(value: string, secret: string): string {
  return createHmac("sha256", secret).update(value).digest("base64url");
}

/** `value.signature`: the HMAC-SHA256 of `value` under `secret`, base64url without padding. */
export function signValue(value: string, secret: string): string {
  return `${value}.${signature(value, secret)}`;
}

/**
 * The value of a signed `value.signature` if one of `secrets` verifies it, else `null`. Compares
 * the encoded signatures (so no other spelling of the same bytes passes) in constant time.
 */
export function unsignValue(signed: string, secrets: readonly string[]): string | null {
  const dot = signed.lastIndexOf(".");
  if (dot <= 0) return null;
  const value = signed.slice(0, dot);
  const given = Buffer.from(signed.slice(dot + 1));
  for (const secret of secrets) {
    const expected = Buffer.from(signature(value, secret));
    if (given.length === expected.length && timingSafeEqual(given, expected)) return value;
  }
  return null;
}
