import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { jsonSerializer, SessionManager } from "../../src/index.js";
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

  it("the new row holds the data; the old row becomes a rotation marker for rotationGrace (60 s)", async () => {
    const oldKey = await storedKey({ a: 1 });
    const { connector, calls } = countCalls(backend.connector);
    const s = new SessionManager({ connector }).open(oldKey);
    await s.assignNewSessionKey();
    s.set("b", 2);
    const before = Date.now();
    await s.save();
    // Insert under the new key first, then compare-and-swap the old row into the marker: at no
    // moment does the old key find nothing.
    expect(calls).toEqual(["getSession", "createSession", "updateSession"]);
    const moved = await backend.readRow(s.id ?? "");
    expect(moved?.version).toBe(1);
    expect(jsonSerializer.parse(moved?.data ?? "")).toEqual({ a: 1, b: 2 });
    const marker = await backend.readRow(sessions.idOf(oldKey) ?? "");
    expect(marker).toMatchObject({ data: "", userId: null, version: 2 });
    const graceLeft = (marker?.expiresAt.getTime() ?? 0) - before;
    expect(graceLeft).toBeGreaterThan(59_000);
    expect(graceLeft).toBeLessThanOrEqual(61_000);
  });

  it("a request still carrying the old key reads no session and cannot start one (SessionInterrupted, rotated)", async () => {
    const oldKey = await storedKey({ user: "ann", secret: "s" });
    const s = sessions.open(oldKey);
    await s.assignNewSessionKey();
    await s.save();
    const stale = sessions.open(oldKey);
    await stale.load();
    expect(stale.superseded).toBe(true);
    expect(stale.size).toBe(0);
    expect(stale.get("secret")).toBeUndefined();
    stale.set("cart", ["pear"]);
    await expect(stale.save()).rejects.toMatchObject({ name: "SessionInterrupted", reason: "rotated" });
    await expect(stale.destroy()).rejects.toMatchObject({ reason: "rotated" });
    expect(await sessions.open(null).exists(oldKey)).toBe(false);
    // The new session is untouched by the stale request.
    const fresh = sessions.open(s.sessionKey);
    await fresh.load();
    expect(fresh.toJSON()).toEqual({ user: "ann", secret: "s" });
  });

  it("a store that loaded the old key before the rotation cannot write after it, nor reach the new data", async () => {
    const oldKey = await storedKey({ user: "ann" });
    const early = sessions.open(oldKey);
    await early.load();
    const login = sessions.open(oldKey);
    await login.assignNewSessionKey();
    login.set("role", "admin");
    await login.save();
    early.set("cart", ["apple"]);
    await expect(early.save()).rejects.toMatchObject({ name: "SessionInterrupted", reason: "rotated" });
    const fresh = sessions.open(login.sessionKey);
    await fresh.load();
    expect(fresh.toJSON()).toEqual({ user: "ann", role: "admin" });
  });

  it("after the grace the old key is no session at all, and rotationGrace: 0 leaves no live marker", async () => {
    let now = Date.now();
    const clocked = new SessionManager({ connector: backend.connector, clock: () => new Date(now) });
    const first = clocked.open(null);
    first.set("a", 1);
    await first.save();
    const oldKey = first.sessionKey ?? "";
    await first.assignNewSessionKey();
    await first.save();
    now += 61_000;
    const late = clocked.open(oldKey);
    await late.load();
    expect(late.superseded).toBe(false);
    expect(late.sessionKey).toBeNull();

    const noGrace = new SessionManager({ connector: backend.connector, rotationGrace: { seconds: 0 } });
    const second = noGrace.open(null);
    second.set("a", 1);
    await second.save();
    const secondOld = second.sessionKey ?? "";
    await second.assignNewSessionKey();
    await second.save();
    const stale = noGrace.open(secondOld);
    await stale.load();
    expect(stale.superseded).toBe(false);
    expect(stale.sessionKey).toBeNull();
  });

  it("a rotation that loses to a concurrent write merges it and moves both changes", async () => {
    const oldKey = await storedKey({ a: 1 });
    const rotating = sessions.open(oldKey);
    await rotating.assignNewSessionKey();
    rotating.set("b", 2);
    const writer = sessions.open(oldKey);
    await writer.load();
    writer.set("c", 3);
    await writer.save();
    await rotating.save();
    const moved = sessions.open(rotating.sessionKey);
    await moved.load();
    expect(moved.toJSON()).toEqual({ a: 1, b: 2, c: 3 });
    const stale = sessions.open(oldKey);
    await stale.load();
    expect(stale.superseded).toBe(true);
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
