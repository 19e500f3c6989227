// Generative tests of the request's edge: whatever a client sends in its Cookie header, reading it
// never throws and never reaches storage unless it carries a well-formed (and, when signing, a
// verified) key.
import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { readSessionCookie } from "../../src/http/cookie.js";
import { resolveHttpOptions } from "../../src/http/http-options.js";
import { SessionHttp } from "../../src/http/session-http.js";
import { signValue } from "../../src/http/signing.js";
import { isValidSessionKey, MemoryConnector, SessionStore } from "../../src/index.js";
import { countCalls } from "../support/backends.js";

const SEED = Number(process.env.FC_SEED ?? 20261201);
const KEY = SessionStore.generateSessionId();

/** Cookie headers, from pure noise to near misses of a real one. */
const header = fc.oneof(
  fc.string({ unit: "binary", maxLength: 300 }),
  fc.string({ unit: "binary-ascii", maxLength: 300 }),
  fc
    .array(
      fc.tuple(
        fc.oneof(fc.constant("session_id"), fc.string({ maxLength: 12 })),
        fc.oneof(
          fc.string({ unit: "binary", maxLength: 80 }),
          fc.constant(KEY),
          fc.constant(encodeURIComponent(KEY)),
          fc.constant(`"${KEY}"`),
          fc.constant(signValue(KEY, "a secret")),
          fc.constant(signValue(KEY, "an older secret")),
          fc.constant(signValue(KEY, "not our secret")),
          fc.constant(`${signValue(KEY, "a secret").slice(0, -1)}A`),
          fc.string({ unit: fc.constantFrom(...'ABCabc019_-%.;=, "'), minLength: 30, maxLength: 34 }),
        ),
      ),
      { maxLength: 5 },
    )
    .map((pairs) =>
      pairs.map(([name, value]) => `${name}=${value}`).join(fc.sample(fc.constantFrom("; ", ";", ", "), 1)[0] ?? "; "),
    ),
);

describe("reading the Cookie header, generatively", () => {
  it("the generator reaches real keys: signed and unsigned headers that carry one", () => {
    const samples = fc.sample(header, { seed: SEED, numRuns: 2000 });
    const unsigned = resolveHttpOptions({}, {});
    const signed = resolveHttpOptions({ secrets: ["a secret", "an older secret"] }, {});
    expect(samples.some((text) => readSessionCookie(text, unsigned).key === KEY)).toBe(true);
    expect(samples.some((text) => readSessionCookie(text, signed).key === KEY)).toBe(true);
  });

  for (const [label, secrets] of [
    ["unsigned", []],
    ["signed", ["a secret", "an older secret"]],
  ] as const) {
    const options = resolveHttpOptions({ secrets: [...secrets] }, {});

    it(`${label}: never throws, and a key comes out only when it is well formed${label === "signed" ? " and verified" : ""}`, () => {
      fc.assert(
        fc.property(header, (text) => {
          const cookie = readSessionCookie(text, options);
          expect(typeof cookie.present).toBe("boolean");
          if (cookie.key !== null) {
            expect(isValidSessionKey(cookie.key)).toBe(true);
            if (secrets.length > 0) {
              const key = cookie.key;
              expect(secrets.some((secret) => text.includes(signValue(key, secret)))).toBe(true);
            }
          }
        }),
        { seed: SEED, numRuns: 1000 },
      );
    });
  }

  it("no header the client can send makes a query, unless it carries a well-formed key", async () => {
    const { connector, calls } = countCalls(new MemoryConnector());
    const http = new SessionHttp({ connector });
    await fc.assert(
      fc.asyncProperty(header, async (text) => {
        calls.length = 0;
        const exchange = http.begin(text, false);
        await exchange.session.load();
        await http.settle(exchange, 200);
        const expected = exchange.cookie.key === null ? [] : ["getSession"];
        expect(calls).toEqual(expected);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it("key validation never throws and accepts exactly the generated shape, whatever value it is given", () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const valid = isValidSessionKey(value);
        expect(valid).toBe(typeof value === "string" && /^[A-Za-z0-9_-]{32}$/.test(value));
        const store = new SessionStore(value as string, { connector: new MemoryConnector() });
        expect(store.loaded).toBe(!valid);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});
