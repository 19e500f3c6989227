import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";

/**
 * SHA-256 and HMAC-SHA256, synchronous, on every runtime. Both run on every request (the key's
 * digest is the storage id; signed cookies are verified before any query), inside synchronous
 * APIs (`SessionStore.id`, reading a cookie), so Web Crypto's asynchronous `crypto.subtle` does
 * not fit.
 *
 * Where Node's `crypto` module is reachable without a static `node:` import
 * (`process.getBuiltinModule`: Node ≥ 20.16, Bun, Deno) it computes them: measured on Node 20 it
 * is about 1.6 µs per key digest against about 6 µs for the pure-JavaScript @noble/hashes, which
 * computes them everywhere else (Cloudflare Workers, browsers, any runtime with web APIs only).
 * Both give the same bytes; tests check one against the other.
 */
export interface DigestBackend {
  /** The SHA-256 of `text` (UTF-8), lowercase hex. */
  sha256Hex(text: string): string;
  /** The HMAC-SHA256 of `text` under `secret` (both UTF-8), base64url without padding. */
  hmacBase64url(secret: string, text: string): string;
}

/** What this module uses of Node's `crypto` (structurally: the module never imports it). */
interface NodeCrypto {
  createHash(algorithm: "sha256"): { update(text: string): { digest(encoding: "hex"): string } };
  createHmac(algorithm: "sha256", key: string): { update(text: string): { digest(encoding: "base64url"): string } };
}

const encoder = new TextEncoder();

/** base64url without padding, from bytes (`btoa` is a web API and a Node global alike). */
function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The pure-JavaScript backend (@noble/hashes). HMAC key states are kept per secret: a clone skips the key schedule. */
export function nobleDigests(): DigestBackend {
  const keyed = new Map<string, ReturnType<typeof hmac.create>>();
  return {
    sha256Hex: (text) => bytesToHex(sha256(encoder.encode(text))),
    hmacBase64url: (secret, text) => {
      let base = keyed.get(secret);
      if (base === undefined) {
        base = hmac.create(sha256, encoder.encode(secret));
        keyed.set(secret, base);
      }
      return base64url(base.clone().update(encoder.encode(text)).digest());
    },
  };
}

/** Node's `crypto`, when the runtime hands it out without an import; else `null`. */
function nodeCrypto(): NodeCrypto | null {
  if (typeof process === "undefined" || typeof process.getBuiltinModule !== "function") return null;
  const found: unknown = process.getBuiltinModule("node:crypto");
  if (typeof found !== "object" || found === null) return null;
  const { createHash, createHmac } = found as Partial<NodeCrypto>;
  return typeof createHash === "function" && typeof createHmac === "function" ? { createHash, createHmac } : null;
}

/** The native backend over Node's `crypto`, or `null` where the runtime has none. */
export function nativeDigests(): DigestBackend | null {
  const crypto = nodeCrypto();
  if (crypto === null) return null;
  return {
    sha256Hex: (text) => crypto.createHash("sha256").update(text).digest("hex"),
    hmacBase64url: (secret, text) => crypto.createHmac("sha256", secret).update(text).digest("base64url"),
  };
}

/** The backend in use: native where available, else @noble/hashes. */
export const digests: DigestBackend = nativeDigests() ?? nobleDigests();

/** Compares two strings in time that depends only on their lengths (for signatures). */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

/** Length in bytes of `text` encoded as UTF-8 (a lone surrogate counts 3, as its U+FFFD replacement). */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}
