import { describe, expect, it } from "@jest/globals";
import { jsonSerializer, type Serializer, SessionManager, SessionStore, UnserializableValue } from "../../src/index.js";
import { describeEachBackend } from "../support/each-backend.js";

describeEachBackend("serialization on %s", (t) => {
  it("JSON round-trips nested data, unicode (lone surrogates and NUL too) and Dates (as Dates)", async () => {
    const when = new Date("2026-05-04T03:02:01.123Z");
    const value = { when, list: [1, "two", null, { deep: [when] }], text: 'naïve "quoted"\n😀\u0000\ud800' };
    const s = t.sessions.open(null);
    s.set("value", value);
    await s.save();
    const again = t.sessions.open(s.sessionKey);
    await again.load();
    const loaded = again.get("value") as typeof value;
    expect(loaded).toEqual(value);
    expect(loaded.when).toBeInstanceOf(Date);
    expect(again.needsUpdate()).toBe(false);
  });

  async function roundTrip(key: string, value: unknown): Promise<unknown> {
    const s = t.sessions.open(null);
    s.set(key, value);
    await s.save();
    const again = t.sessions.open(s.sessionKey);
    await again.load();
    expect(again.needsUpdate()).toBe(false);
    return again.get(key);
  }

  describe("data shaped like a type tag is data (the types are noted apart from it)", () => {
    it('{"$date": "yesterday"} comes back as itself, and the session keeps saving and rotating', async () => {
      const prefs = JSON.parse('{"since":{"$date":"yesterday"}}');
      const s = t.sessions.open(null);
      s.set("prefs", prefs);
      await s.save();
      const again = t.sessions.open(s.sessionKey);
      await again.load();
      expect(again.get("prefs")).toEqual(prefs);
      again.set("more", 1);
      await again.assignNewSessionKey();
      await again.save();
      const rotated = t.sessions.open(again.sessionKey);
      await rotated.load();
      expect(rotated.toJSON()).toEqual({ prefs, more: 1 });
    });

    it('a session whose only key is "$date" reloads with it', async () => {
      await expect(roundTrip("$date", "2026-01-01T00:00:00.000Z")).resolves.toBe("2026-01-01T00:00:00.000Z");
    });

    it("tag-shaped data beside real Dates keeps both apart", async () => {
      const when = new Date("2026-05-04T03:02:01.123Z");
      const value = { real: when, fake: { $date: when.toISOString() }, list: [{ $date: "x" }, when] };
      const back = (await roundTrip("mixed", value)) as typeof value;
      expect(back).toEqual(value);
      expect(back.real).toBeInstanceOf(Date);
      expect(back.fake).toEqual({ $date: when.toISOString() });
    });
  });

  describe("values JSON cannot carry come back exactly", () => {
    it.each([
      ["NaN", Number.NaN],
      ["Infinity", Infinity],
      ["-Infinity", -Infinity],
      ["-0", -0],
      ["a BigInt", 12345678901234567890n],
      [
        "a Map with object keys and Date values",
        new Map<unknown, unknown>([
          [{ k: 1 }, new Date(0)],
          ["b", 2],
        ]),
      ],
      ["a Set", new Set([1, "two", new Date(5)])],
      ["undefined inside an object", { present: undefined, other: 1 }],
      ["undefined inside an array", [1, undefined, 3]],
      ["nesting of them all", { m: new Map([["s", new Set([1n, Number.NaN])]]), u: [undefined], d: new Date(9) }],
    ])("%s", async (_label, value) => {
      const back = await roundTrip("v", value);
      expect(back).toEqual(value);
      if (typeof value === "number") expect(Object.is(back, value)).toBe(true);
      if (typeof value === "object" && value !== null && !Array.isArray(value) && "present" in value) {
        expect(Object.hasOwn(back as object, "present")).toBe(true);
      }
    });

    it("own keys named __proto__, constructor and prototype stay own keys, with typed values below them", async () => {
      const value = JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":1}}');
      value.constructor.when = new Date(3);
      const back = (await roundTrip("__proto__", value)) as Record<string, unknown>;
      expect(Object.hasOwn(back, "__proto__")).toBe(true);
      expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
      expect(Reflect.get({}, "polluted")).toBeUndefined();
      expect(back).toEqual(value);
    });
  });

  class Money {
    constructor(readonly cents: number) {}
  }
  const sparse: unknown[] = [1];
  sparse[2] = 3;
  const extra = Object.assign([1, 2], { note: "dropped by JSON" });

  it.each([
    ["a function", () => 1, "bad"],
    ["a symbol", Symbol("s"), "bad"],
    ["a nested function", { handler: () => 1 }, "bad.handler"],
    ["undefined", undefined, '"bad"'],
    ["an invalid Date", new Date("nope"), "bad"],
    ["a class instance", { total: new Money(5) }, "bad.total"],
    ["a Buffer", Buffer.from("ab"), "bad"],
    ["a RegExp", { re: [/a/] }, "bad.re[0]"],
    ["a sparse array", { list: sparse }, "bad.list[1]"],
    ["an array with extra properties", extra, "bad"],
    ["an object with symbol keys", { [Symbol("k")]: 1 }, "bad"],
    ["a class instance inside a Map", new Map([["k", new Money(1)]]), "bad[0][1]"],
  ])("set() refuses %s with UnserializableValue naming where it sits", (_label, value, where) => {
    const s = t.sessions.open(null);
    let error: unknown;
    try {
      s.set("bad", value);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(UnserializableValue);
    expect(error).toMatchObject({ code: "UNSERIALIZABLE", message: expect.stringContaining(where) });
    expect(s.has("bad")).toBe(false);
  });

  it("set() refuses a circular structure, naming where the cycle closes", () => {
    const loop: Record<string, unknown> = { inner: {} };
    (loop.inner as Record<string, unknown>).back = loop;
    const s = t.sessions.open(null);
    expect(() => s.set("loop", loop)).toThrow(expect.objectContaining({ path: ["loop", "inner", "back"] }));
  });

  it("a value reachable twice is stored by value: two equal copies come back", async () => {
    const shared = { n: 1 };
    const back = (await roundTrip("pair", { a: shared, b: shared })) as { a: object; b: object };
    expect(back).toEqual({ a: { n: 1 }, b: { n: 1 } });
    expect(back.a).not.toBe(back.b);
  });

  it("an object with a null prototype is stored as a plain object", async () => {
    const query = Object.assign(Object.create(null), { q: "shoes" });
    const back = await roundTrip("query", query);
    expect(back).toEqual({ q: "shoes" });
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
  });

  describe('rows written by versions before 0.2 (a JSON object, Dates as {"$date": ISO})', () => {
    async function legacy(data: string): Promise<SessionStore> {
      const key = SessionStore.generateSessionId();
      const now = Date.now();
      await t.backend.connector.createSession({
        id: t.sessions.idOf(key) ?? "",
        data,
        userId: null,
        version: 1,
        // Six of seven idle days left: no deadline extension is due, so a write means a change.
        expiresAt: new Date(now + 6 * 86_400_000),
        absoluteExpiresAt: new Date(now + 30 * 86_400_000),
        browserSession: false,
        createdAt: new Date(now),
        updatedAt: new Date(now),
        userAgent: null,
        clientAddress: null,
      });
      const s = t.sessions.open(key);
      await s.load();
      return s;
    }

    it("load, with their Dates as Dates; a tag that is not an exact ISO instant stays data", async () => {
      const s = await legacy('{"when":{"$date":"2026-05-04T03:02:01.123Z"},"fake":{"$date":"yesterday"},"$date":"x"}');
      expect(s.get("when")).toEqual(new Date("2026-05-04T03:02:01.123Z"));
      expect(s.get("fake")).toEqual({ $date: "yesterday" });
      expect(s.get("$date")).toBe("x");
    });

    it("reading one is no change (nothing written); the next change writes the current format", async () => {
      const s = await legacy('{"when":{"$date":"2026-05-04T03:02:01.123Z"},"n":1}');
      expect(s.needsUpdate()).toBe(false);
      s.set("n", 2);
      await s.save();
      const row = await t.backend.readRow(s.id ?? "");
      expect(row?.data.startsWith("[1,")).toBe(true);
      expect(jsonSerializer.parse(row?.data ?? "")).toEqual({ when: new Date("2026-05-04T03:02:01.123Z"), n: 2 });
    });
  });

  it("save() refuses a value made unserializable in place, naming the key", async () => {
    const s = t.sessions.open(null);
    const box: Record<string, unknown> = { ok: 1 };
    s.set("box", box);
    box.fn = () => 1;
    await expect(s.save()).rejects.toMatchObject({ code: "UNSERIALIZABLE", path: ["box", "fn"] });
    expect(s.sessionKey).toBeNull();
  });

  it("the payload limit is enforced on save with an error that gives the size", async () => {
    const small = new SessionManager({ connector: t.backend.connector, maxPayloadBytes: 1024 });
    const s = small.open(null);
    s.set("blob", "x".repeat(2000));
    await expect(s.save()).rejects.toMatchObject({
      code: "PAYLOAD_TOO_LARGE",
      message: expect.stringContaining("2015 bytes"),
    });
    s.set("blob", "x".repeat(900));
    await s.save();
    expect(await s.exists()).toBe(true);
  });

  it("the default limit of 64 KiB accepts a 60 KB session", async () => {
    const s = t.sessions.open(null);
    s.set("blob", "é".repeat(30_000));
    await s.save();
    const again = t.sessions.open(s.sessionKey);
    await again.load();
    expect((again.get("blob") as string).length).toBe(30_000);
  });

  it("a pluggable serializer is used for storage", async () => {
    const reversed: Serializer = {
      stringify: (data) => [...JSON.stringify(data)].reverse().join(""),
      parse: (text) => JSON.parse([...text].reverse().join("")),
    };
    const custom = new SessionManager({ connector: t.backend.connector, serializer: reversed });
    const s = custom.open(null);
    s.set("word", "abc");
    await s.save();
    expect((await t.backend.readRow(s.id ?? ""))?.data).toBe('}"cba":"drow"{');
    const again = custom.open(s.sessionKey);
    await again.load();
    expect(again.get("word")).toBe("abc");
  });
});
