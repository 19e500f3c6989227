import { constantTimeEqual, digests } from "../digest.js";

/** `value.signature`: the HMAC-SHA256 of `value` under `secret`, base64url without padding. */
export function signValue(value: string, secret: string): string {
  return `${value}.${digests.hmacBase64url(secret, value)}`;
}

/**
 * The value of a signed `value.signature` if one of `secrets` verifies it, else `null`. Compares
 * the encoded signatures (so no other spelling of the same bytes passes) in constant time.
 */
export function unsignValue(signed: string, secrets: readonly string[]): string | null {
  const dot = signed.lastIndexOf(".");
  if (dot <= 0) return null;
  const value = signed.slice(0, dot);
  const given = signed.slice(dot + 1);
  for (const secret of secrets) {
    if (constantTimeEqual(given, digests.hmacBase64url(secret, value))) return value;
  }
  return null;
}
