// Generative tests of the stored format: every value the README says is accepted comes back
// exactly, whatever its keys; everything else is refused, naming where it sits.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { jsonSerializer, SessionManager, UnserializableValue } from "../../src/index.js";
import { type Backend, backendNames, openBackend } from "../support/backends.js";
import { exactlyEqual } from "../support/exact.js";

/** Seeded, so a failure reproduces; fast-check prints the shrunk counterexample and the seed. */
const SEED = Number(process.env.FC_SEED ?? 20261201);

/** Keys that once collided with tags or reach prototypes, mixed with arbitrary unicode. */
const key = fc.oneof(
  fc.constantFrom(
    "$date",
    "__proto__",
    "constructor",
    "prototype",
    "json",
    "meta",
    "toString",
    "",
    "a.b",
    "0",
    "\u0000",
  ),
  fc.string({ unit: "binary", maxLength: 8 }),
  fc.string({ maxLength: 6 }),
);

const leaf = fc.oneof(
  fc.string({ unit: "binary" }),
  fc.double(), // includes NaN, ±Infinity and -0
  fc.integer(),
  fc.bigInt(),
  fc.boolean(),
  fc.constant(null),
  fc.date({ noInvalidDate: true }),
  // A value shaped like the old Date tag, with real ISO text or not.
  fc.record(
    {
      $date: fc.oneof(
        fc.string(),
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      ),
    },
    { noNullPrototype: true },
  ),
);

/** Everything the default serializer promises to round-trip. */
const { value: storable } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(key, tie("value"), { maxKeys: 4, noNullPrototype: true }),
    fc.array(fc.tuple(tie("value"), tie("value")), { maxLength: 3 }).map((entries) => new Map(entries)),
    fc.array(tie("value"), { maxLength: 3 }).map((items) => new Set(items)),
    fc
      .dictionary(key, tie("value"), { maxKeys: 3, noNullPrototype: true })
      .map((object) => ({ ...object, hole: undefined })),
  ),
}));

/** Own "__proto__" keys must stay own keys: a dictionary built by assignment would lose them. */
function withOwnKeys(entries: [string, unknown][]): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [name, item] of entries)
    Reflect.defineProperty(data, name, { value: item, enumerable: true, writable: true, configurable: true });
  return data;
}

const sessionData = fc
  .uniqueArray(fc.tuple(key, storable), { maxLength: 5, selector: ([name]) => name })
  .map(withOwnKeys);

class Opaque {
  readonly x = 1;
}
const sparse = (): unknown[] => {
  const list: unknown[] = [];
  list[1] = 1;
  return list;
};

/** Values that must be refused, each with what the refusal says. */
const poison = fc.constantFrom<[string, () => unknown]>(
  ["function", () => () => 1],
  ["symbol", () => Symbol("s")],
  ["class instance", () => new Opaque()],
  ["invalid Date", () => new Date("nope")],
  ["Buffer", () => Buffer.from("x")],
  ["sparse array", sparse],
  ["RegExp", () => /x/],
);

describe("the exact comparison these properties use", () => {
  it("tells -0 from 0, a missing key from an undefined one, prototypes and entry values apart", () => {
    expect(exactlyEqual({ a: [new Map([[1, new Date(5)]])] }, { a: [new Map([[1, new Date(5)]])] })).toBe(true);
    expect(exactlyEqual(0, -0)).toBe(false);
    expect(exactlyEqual({ a: undefined }, {})).toBe(false);
    expect(exactlyEqual(Object.create(null), {})).toBe(false);
    expect(exactlyEqual(new Set([1]), new Set([2]))).toBe(false);
    expect(exactlyEqual({ constructor: new Map() }, { constructor: new Map([[1, 1]]) })).toBe(false);
  });
});

describe("the default serializer, generatively", () => {
  it("round-trips every accepted value exactly (types, -0, NaN, undefined, own keys), whatever the keys", () => {
    fc.assert(
      fc.property(sessionData, (data) => {
        const back = jsonSerializer.parse(jsonSerializer.stringify(data));
        expect(exactlyEqual(back, data)).toBe(true);
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it("refuses a value that cannot come back, naming the path where it was put", () => {
    // A plain object tree with a poisoned value at a generated path.
    const planted = fc.tuple(fc.array(fc.oneof(key, fc.nat(3)), { minLength: 1, maxLength: 4 }), poison);
    fc.assert(
      fc.property(planted, ([path, [_what, make]]) => {
        const steps = path.map((step, index) => (index === 0 ? String(step) : step));
        const root: Record<string, unknown> = {};
        let holder: Record<string, unknown> | unknown[] = root;
        steps.forEach((step, index) => {
          const last = index === steps.length - 1;
          const next: unknown = last ? make() : typeof steps[index + 1] === "number" ? [] : {};
          if (Array.isArray(holder) && typeof step === "number") {
            for (let i = 0; i < step; i++) holder[i] = i; // no holes before the step
            holder[step] = next;
          } else {
            Reflect.defineProperty(holder, String(step), {
              value: next,
              enumerable: true,
              writable: true,
              configurable: true,
            });
          }
          if (!last) holder = next as Record<string, unknown> | unknown[];
        });
        let error: unknown;
        try {
          jsonSerializer.stringify(root);
        } catch (thrown) {
          error = thrown;
        }
        expect(error).toBeInstanceOf(UnserializableValue);
        const where = (error as UnserializableValue).path;
        // A sparse array is refused at its first hole, one step below where it was put.
        expect(where.slice(0, steps.length)).toEqual(
          steps.map((step) => (typeof step === "number" ? step : String(step))),
        );
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("never mistakes arbitrary text for data: it parses as an object or throws a TypeError/SyntaxError", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), fc.json()), (text) => {
        try {
          const data = jsonSerializer.parse(text);
          expect(typeof data).toBe("object");
        } catch (error) {
          expect(error instanceof TypeError || error instanceof SyntaxError).toBe(true);
        }
      }),
      { seed: SEED, numRuns: 400 },
    );
  });
});

describe.each(backendNames)("stored and reloaded through %s, generatively", (name) => {
  let backend: Backend;
  let sessions: SessionManager;

  beforeAll(async () => {
    backend = await openBackend(name);
    sessions = new SessionManager({ connector: backend.connector, maxPayloadBytes: 1_000_000 });
  });
  afterAll(() => backend.close());

  it("every accepted session comes back exactly, and reading it is no change", async () => {
    await fc.assert(
      fc.asyncProperty(sessionData, async (data) => {
        const s = sessions.open(null);
        for (const [name, value] of Object.entries(data)) if (value !== undefined) s.set(name, value);
        s.set("_", 1); // never an empty session
        await s.save();
        const again = sessions.open(s.sessionKey);
        await again.load();
        const expected = withOwnKeys([...Object.entries(data).filter(([, v]) => v !== undefined), ["_", 1]]);
        expect(exactlyEqual(again.toJSON(), expected)).toBe(true);
        expect(again.needsUpdate()).toBe(false);
      }),
      { seed: SEED, numRuns: 40 },
    );
  });
});
