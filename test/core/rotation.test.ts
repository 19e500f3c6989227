import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { SessionManager } from "../../src/index.js";
import { type Backend, backendNames, countCalls, openBackend } from "../support/backends.js";

describe.each(backendNames)("key rotation (assignNewSessionKey) on %s", (name) => {
  let backend: Backend;
  let sessions: SessionManager;

  beforeAll(async () => {
    backend = await openBackend(name);
    sessions = new SessionManager({ connector: backend.connector });
  });
  afterAll(() => backend.close());

  async function storedKey(data: Record<string, unknown>): Promise<string> {
    const s = sessions.open(null);
    s.update(data);
    await s.save();
    return s.sessionKey ?? "";
  }

  it("keeps the data, loading it first when the store was not loaded", async () => {
    const oldKey = await storedKey({ cart: ["apple"] });
    const s = sessions.open(oldKey);
    const newKey = await s.assignNewSessionKey();
    expect(newKey).not.toBe(oldKey);
    expect(newKey).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(s.sessionKey).toBe(newKey);
    expect(s.get("cart")).toEqual(["apple"]);
    expect(s.needsUpdate()).toBe(true);
    await s.save();
    const again = sessions.open(newKey);
    await again.load();
    expect(again.toJSON()).toEqual({ cart: ["apple"] });
  });

  it("the old key no longer loads after the save", async () => {
    const oldKey = await storedKey({ user: "ann" });
    const s = sessions.open(oldKey);
    await s.assignNewSessionKey();
    await s.save();
    const stale = sessions.open(oldKey);
    await stale.load();
    expect(stale.sessionKey).toBeNull();
    expect(stale.size).toBe(0);
    expect(await backend.readRow(sessions.idOf(oldKey) ?? "")).toBeNull();
  });

  it("moves the row in one compare-and-swap write, keeping its version history", async () => {
    const oldKey = await storedKey({ a: 1 });
    const { connector, calls } = countCalls(backend.connector);
    const s = new SessionManager({ connector }).open(oldKey);
    await s.assignNewSessionKey();
    s.set("b", 2);
    await s.save();
    expect(calls).toEqual(["getSession", "updateSession"]);
    const row = await backend.readRow(s.id ?? "");
    expect(row?.version).toBe(2);
    expect(JSON.parse(row?.data ?? "")).toEqual({ a: 1, b: 2 });
  });

  it("destroy() with a rotation pending removes the stored row", async () => {
    const oldKey = await storedKey({ a: 1 });
    const s = sessions.open(oldKey);
    await s.assignNewSessionKey();
    await s.destroy();
    expect(await backend.readRow(sessions.idOf(oldKey) ?? "")).toBeNull();
    expect(s.sessionKey).toBeNull();
  });

  it("on a new session simply assigns the key the save will use", async () => {
    const s = sessions.open(null);
    const key = await s.assignNewSessionKey();
    s.set("a", 1);
    await s.save();
    expect(s.sessionKey).toBe(key);
    expect(await s.exists(key)).toBe(true);
  });
});
