// SHA-256 and HMAC-SHA256 have two backends (Node's crypto where the runtime hands it out,
// @noble/hashes elsewhere): both must give the very bytes Node's crypto gives.
import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { constantTimeEqual, digests, nativeDigests, nobleDigests, utf8ByteLength } from "../../src/digest.js";

const backends = [
  ["native", nativeDigests()],
  ["@noble/hashes", nobleDigests()],
] as const;

describe.each(backends)("the %s digests", (_label, backend) => {
  if (backend === null) throw new Error("Node 20 hands out node:crypto through process.getBuiltinModule");

  it("SHA-256 hex of any string is Node's", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => {
        expect(backend.sha256Hex(text)).toBe(createHash("sha256").update(text).digest("hex"));
      }),
    );
  });

  it("HMAC-SHA256 base64url of any string under any secret is Node's (the same secret twice too)", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ unit: "binary" }), (secret, text) => {
        const expected = createHmac("sha256", secret).update(text).digest("base64url");
        expect(backend.hmacBase64url(secret, text)).toBe(expected);
        expect(backend.hmacBase64url(secret, text)).toBe(expected);
      }),
    );
  });
});

describe("the digests in use", () => {
  it("are the native ones on Node", () => {
    expect(digests.sha256Hex("x")).toBe(createHash("sha256").update("x").digest("hex"));
  });
});

describe("helpers", () => {
  it("utf8ByteLength is Buffer.byteLength for any string, lone surrogates included", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.string({ unit: "grapheme" }), (a, b) => {
        expect(utf8ByteLength(a)).toBe(Buffer.byteLength(a, "utf8"));
        const lone = `${b}\ud800${b}`;
        expect(utf8ByteLength(lone)).toBe(Buffer.byteLength(lone, "utf8"));
      }),
    );
  });

  it("constantTimeEqual is string equality", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        expect(constantTimeEqual(a, b)).toBe(a === b);
        expect(constantTimeEqual(a, a)).toBe(true);
      }),
    );
  });
});
