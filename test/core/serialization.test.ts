import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { type Serializer, SessionError, SessionManager } from "../../src/index.js";
import { type Backend, backendNames, openBackend } from "../support/backends.js";

describe.each(backendNames)("serialization on %s", (name) => {
  let backend: Backend;
  let sessions: SessionManager;

  beforeAll(async () => {
    backend = await openBackend(name);
    sessions = new SessionManager({ connector: backend.connector });
  });
  afterAll(() => backend.close());

  it("JSON round-trips nested data, unicode and Dates (as Dates)", async () => {
    const when = new Date("2026-05-04T03:02:01.123Z");
    const value = { when, list: [1, "two", null, { deep: [when] }], text: 'naïve "quoted"\n😀' };
    const s = sessions.open(null);
    s.set("value", value);
    await s.save();
    const again = sessions.open(s.sessionKey);
    await again.load();
    const loaded = again.get("value") as typeof value;
    expect(loaded).toEqual(value);
    expect(loaded.when).toBeInstanceOf(Date);
    expect(again.needsUpdate()).toBe(false);
  });

  it.each([
    ["a function", () => 1],
    ["a symbol", Symbol("s")],
    ["a bigint", 10n],
    ["a nested function", { handler: () => 1 }],
    ["undefined", undefined],
    ["an invalid Date", new Date("nope")],
  ])("set() refuses %s with UNSERIALIZABLE, naming the key", (_label, value) => {
    const s = sessions.open(null);
    expect(() => s.set("bad", value)).toThrow(expect.objectContaining({ code: "UNSERIALIZABLE" }));
    expect(() => s.set("bad", value)).toThrow(/"bad"/);
    expect(s.has("bad")).toBe(false);
  });

  it("set() refuses a circular structure", () => {
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    const s = sessions.open(null);
    expect(() => s.set("loop", loop)).toThrow(SessionError);
  });

  it("save() refuses a value made unserializable in place, naming the key", async () => {
    const s = sessions.open(null);
    const box: Record<string, unknown> = { ok: 1 };
    s.set("box", box);
    box.fn = () => 1;
    await expect(s.save()).rejects.toMatchObject({ code: "UNSERIALIZABLE", message: expect.stringContaining('"box"') });
    expect(s.sessionKey).toBeNull();
  });

  it("the payload limit is enforced on save with an error that gives the size", async () => {
    const small = new SessionManager({ connector: backend.connector, maxPayloadBytes: 1024 });
    const s = small.open(null);
    s.set("blob", "x".repeat(2000));
    await expect(s.save()).rejects.toMatchObject({
      code: "PAYLOAD_TOO_LARGE",
      message: expect.stringContaining("2011 bytes"),
    });
    s.set("blob", "x".repeat(900));
    await s.save();
    expect(await s.exists()).toBe(true);
  });

  it("the default limit of 64 KiB accepts a 60 KB session", async () => {
    const s = sessions.open(null);
    s.set("blob", "é".repeat(30_000));
    await s.save();
    const again = sessions.open(s.sessionKey);
    await again.load();
    expect((again.get("blob") as string).length).toBe(30_000);
  });

  it("a pluggable serializer is used for storage", async () => {
    const reversed: Serializer = {
      stringify: (data) => [...JSON.stringify(data)].reverse().join(""),
      parse: (text) => JSON.parse([...text].reverse().join("")),
    };
    const custom = new SessionManager({ connector: backend.connector, serializer: reversed });
    const s = custom.open(null);
    s.set("word", "abc");
    await s.save();
    expect((await backend.readRow(s.id ?? ""))?.data).toBe('}"cba":"drow"{');
    const again = custom.open(s.sessionKey);
    await again.load();
    expect(again.get("word")).toBe("abc");
  });
});
