import { expect, it } from "@jest/globals";
import { jsonSerializer, SessionManager } from "../../src/index.js";
import { countCalls } from "../support/backends.js";
import { describeEachBackend } from "../support/each-backend.js";

describeEachBackend("key rotation (assignNewSessionKey) on %s", (t) => {
  it("keeps the data, loading it first when the store was not loaded", async () => {
    const oldKey = await t.storedKey({ cart: ["apple"] });
    const s = t.sessions.open(oldKey);
    const newKey = await s.assignNewSessionKey();
    expect(newKey).not.toBe(oldKey);
    expect(newKey).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(s.sessionKey).toBe(newKey);
    expect(s.get("cart")).toEqual(["apple"]);
    expect(s.needsUpdate()).toBe(true);
    await s.save();
    const again = t.sessions.open(newKey);
    await again.load();
    expect(again.toJSON()).toEqual({ cart: ["apple"] });
  });

  it("the new row holds the data; the old row becomes a rotation marker for rotationGrace (60 s)", async () => {
    const oldKey = await t.storedKey({ a: 1 });
    const { connector, calls } = countCalls(t.backend.connector);
    const s = new SessionManager({ connector }).open(oldKey);
    await s.assignNewSessionKey();
    s.set("b", 2);
    const before = Date.now();
    await s.save();
    // Insert under the new key first, then compare-and-swap the old row into the marker: at no
    // moment does the old key find nothing.
    expect(calls).toEqual(["getSession", "createSession", "updateSession"]);
    const moved = await t.backend.readRow(s.id ?? "");
    expect(moved?.version).toBe(1);
    expect(jsonSerializer.parse(moved?.data ?? "")).toEqual({ a: 1, b: 2 });
    const marker = await t.backend.readRow(t.sessions.idOf(oldKey) ?? "");
    expect(marker).toMatchObject({ data: "", userId: null, version: 2 });
    const graceLeft = (marker?.expiresAt.getTime() ?? 0) - before;
    expect(graceLeft).toBeGreaterThan(59_000);
    expect(graceLeft).toBeLessThanOrEqual(61_000);
  });

  it("a request still carrying the old key reads no session and cannot start one (SessionInterrupted, rotated)", async () => {
    const oldKey = await t.storedKey({ user: "ann", secret: "s" });
    const s = t.sessions.open(oldKey);
    await s.assignNewSessionKey();
    await s.save();
    const stale = t.sessions.open(oldKey);
    await stale.load();
    expect(stale.superseded).toBe(true);
    expect(stale.size).toBe(0);
    expect(stale.get("secret")).toBeUndefined();
    stale.set("cart", ["pear"]);
    await expect(stale.save()).rejects.toMatchObject({ name: "SessionInterrupted", reason: "rotated" });
    await expect(stale.destroy()).rejects.toMatchObject({ reason: "rotated" });
    expect(await t.sessions.open(null).exists(oldKey)).toBe(false);
    // The new session is untouched by the stale request.
    const fresh = t.sessions.open(s.sessionKey);
    await fresh.load();
    expect(fresh.toJSON()).toEqual({ user: "ann", secret: "s" });
  });

  it("a store that loaded the old key before the rotation cannot write after it, nor reach the new data", async () => {
    const oldKey = await t.storedKey({ user: "ann" });
    const early = t.sessions.open(oldKey);
    await early.load();
    const login = t.sessions.open(oldKey);
    await login.assignNewSessionKey();
    login.set("role", "admin");
    await login.save();
    early.set("cart", ["apple"]);
    await expect(early.save()).rejects.toMatchObject({ name: "SessionInterrupted", reason: "rotated" });
    const fresh = t.sessions.open(login.sessionKey);
    await fresh.load();
    expect(fresh.toJSON()).toEqual({ user: "ann", role: "admin" });
  });

  it("after the grace the old key is no session at all, and rotationGrace: 0 leaves no live marker", async () => {
    let now = Date.now();
    const clocked = new SessionManager({ connector: t.backend.connector, clock: () => new Date(now) });
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

    const noGrace = new SessionManager({ connector: t.backend.connector, rotationGrace: { seconds: 0 } });
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
    const oldKey = await t.storedKey({ a: 1 });
    const rotating = t.sessions.open(oldKey);
    await rotating.assignNewSessionKey();
    rotating.set("b", 2);
    const writer = t.sessions.open(oldKey);
    await writer.load();
    writer.set("c", 3);
    await writer.save();
    await rotating.save();
    const moved = t.sessions.open(rotating.sessionKey);
    await moved.load();
    expect(moved.toJSON()).toEqual({ a: 1, b: 2, c: 3 });
    const stale = t.sessions.open(oldKey);
    await stale.load();
    expect(stale.superseded).toBe(true);
  });

  it("destroy() with a rotation pending removes the stored row", async () => {
    const oldKey = await t.storedKey({ a: 1 });
    const s = t.sessions.open(oldKey);
    await s.assignNewSessionKey();
    await s.destroy();
    expect(await t.backend.readRow(t.sessions.idOf(oldKey) ?? "")).toBeNull();
    expect(s.sessionKey).toBeNull();
  });

  it("on a new session simply assigns the key the save will use", async () => {
    const s = t.sessions.open(null);
    const key = await s.assignNewSessionKey();
    s.set("a", 1);
    await s.save();
    expect(s.sessionKey).toBe(key);
    expect(await s.exists(key)).toBe(true);
  });
});
