import { describe, expect, it } from "@jest/globals";
import { SessionError, SessionManager, type SessionStore } from "../../src/index.js";
import { countCalls } from "../support/backends.js";
import { describeEachBackend } from "../support/each-backend.js";

describeEachBackend("the data bag on %s", (t) => {
  /** A stored session holding `data`, reopened from its key (loaded, unmodified). */
  async function stored(data: Record<string, unknown>): Promise<SessionStore> {
    const first = t.sessions.open(null);
    first.update(data);
    await first.save();
    const again = t.sessions.open(first.sessionKey);
    await again.load();
    return again;
  }

  describe("dirty tracking", () => {
    it("a fresh load is not modified and needs no update", async () => {
      const s = await stored({ a: 1 });
      expect(s.modified).toBe(false);
      expect(s.needsUpdate()).toBe(false);
    });

    it("reads never mark the session modified", async () => {
      const s = await stored({ a: 1, b: [1] });
      s.get("a");
      s.has("b");
      [...s.keys()];
      [...s.values()];
      [...s.entries()];
      [...s];
      void s.size;
      s.toJSON();
      s.getExpiryDate();
      s.getExpiryAge();
      s.sessionExpired();
      String(s);
      expect(s.modified).toBe(false);
      expect(s.needsUpdate()).toBe(false);
    });

    it.each([
      ["set", (s: SessionStore) => s.set("a", 2)],
      ["delete of an existing key", (s: SessionStore) => s.delete("a")],
      ["pop of an existing key holding a falsy value", (s: SessionStore) => s.pop("zero")],
      ["popItem", (s: SessionStore) => s.popItem()],
      ["a non-empty update", (s: SessionStore) => s.update({ c: 3 })],
      ["clear of a non-empty session", (s: SessionStore) => s.clear()],
    ])("%s marks the session modified", async (_label, change) => {
      const s = await stored({ a: 1, zero: 0 });
      change(s);
      expect(s.modified).toBe(true);
      expect(s.needsUpdate()).toBe(true);
    });

    it.each([
      ["delete of a missing key", (s: SessionStore) => s.delete("missing")],
      ["pop of a missing key, even with a truthy default", (s: SessionStore) => s.pop("missing", "x")],
      ["an empty update", (s: SessionStore) => s.update({})],
    ])("%s leaves the session unmodified", async (_label, change) => {
      const s = await stored({ a: 1 });
      change(s);
      expect(s.modified).toBe(false);
      expect(s.needsUpdate()).toBe(false);
    });

    it("clearing an empty session leaves it unmodified", async () => {
      const s = t.sessions.open(null);
      s.clear();
      expect(s.modified).toBe(false);
    });

    it("popping a falsy value is saved (Duck lost it)", async () => {
      const s = await stored({ flag: false, keep: 1 });
      expect(s.pop("flag")).toBe(false);
      await s.save();
      const again = t.sessions.open(s.sessionKey);
      await again.load();
      expect(again.toJSON()).toEqual({ keep: 1 });
    });

    it("a cleared session is saved as empty (log-out works)", async () => {
      const s = await stored({ user: "ann", cart: [1] });
      s.clear();
      await s.save();
      const again = t.sessions.open(s.sessionKey);
      await again.load();
      expect(again.size).toBe(0);
      expect(await again.exists()).toBe(true);
    });

    it("an in-place mutation of a stored value is detected and saved", async () => {
      const s = await stored({ cart: ["apple"] });
      const cart = s.get("cart") as string[];
      cart.push("pear");
      expect(s.modified).toBe(false);
      expect(s.needsUpdate()).toBe(true);
      await s.save();
      const again = t.sessions.open(s.sessionKey);
      await again.load();
      expect(again.get("cart")).toEqual(["apple", "pear"]);
    });

    it("save clears the modified flag", async () => {
      const s = await stored({ a: 1 });
      s.set("a", 2);
      await s.save();
      expect(s.modified).toBe(false);
      expect(s.needsUpdate()).toBe(false);
    });

    it("setting modified by hand forces a save, even before load", async () => {
      const first = await stored({ a: 1 });
      const before = await t.backend.readRow(first.id ?? "");
      const s = t.sessions.open(first.sessionKey);
      s.modified = true;
      expect(s.needsUpdate()).toBe(true);
      await s.save();
      const after = await t.backend.readRow(first.id ?? "");
      expect(after?.version).toBe((before?.version ?? 0) + 1);
    });

    it("an untouched new session is not saved", async () => {
      const { connector, calls } = countCalls(t.backend.connector);
      const s = new SessionManager({ connector }).open(null);
      expect(s.needsUpdate()).toBe(false);
      await s.save();
      expect(calls).toEqual([]);
      expect(s.sessionKey).toBeNull();
    });
  });

  describe("the Map-like API", () => {
    it("behaves like a Map and keeps insertion order", async () => {
      const s = await stored({ a: 1, b: 2 });
      s.set("c", 3);
      expect([...s.keys()]).toEqual(["a", "b", "c"]);
      expect([...s.values()]).toEqual([1, 2, 3]);
      expect([...s]).toEqual([
        ["a", 1],
        ["b", 2],
        ["c", 3],
      ]);
      expect(s.size).toBe(3);
      expect(s.has("b")).toBe(true);
      expect(s.get("missing")).toBeUndefined();
    });

    it("pop returns the value, or the fallback for a missing key", async () => {
      const s = await stored({ a: 1 });
      expect(s.pop("a")).toBe(1);
      expect(s.pop("a", 9)).toBe(9);
      expect(s.pop("a")).toBeUndefined();
    });

    it("popItem takes the most recent entry and returns undefined when empty", async () => {
      const s = await stored({ a: 1, b: 2 });
      expect(s.popItem()).toEqual(["b", 2]);
      expect(s.popItem()).toEqual(["a", 1]);
      expect(s.popItem()).toBeUndefined();
    });

    it("typed data: get returns the declared type", async () => {
      const typed = new SessionManager<{ cart: string[]; visits: number }>({ connector: t.backend.connector });
      const s = typed.open(null);
      s.set("visits", 1);
      s.set("cart", ["x"]);
      const visits: number | undefined = s.get("visits");
      expect(visits).toBe(1);
      // @ts-expect-error: "visits" holds a number
      expect(() => s.set("visits", undefined)).toThrow(SessionError);
    });
  });

  describe("lazy loading", () => {
    it("every data method refuses to run before load() on a store with a key", async () => {
      const s0 = await stored({ a: 1 });
      const s = t.sessions.open(s0.sessionKey);
      const reads: Array<() => unknown> = [
        () => s.get("a"),
        () => s.has("a"),
        () => s.set("a", 1),
        () => s.delete("a"),
        () => s.keys(),
        () => s.entries(),
        () => s.values(),
        () => s.size,
        () => s.toJSON(),
        () => s.clear(),
        () => s.popItem(),
        () => s.update({}),
        () => s.getExpiryDate(),
      ];
      for (const read of reads) {
        expect(read).toThrow(expect.objectContaining({ code: "NOT_LOADED" }));
      }
      expect(s.loaded).toBe(false);
      expect(String(s)).toContain("not loaded");
    });

    it("a store without a key is loaded from the start and never queries", async () => {
      const { connector, calls } = countCalls(t.backend.connector);
      const s = new SessionManager({ connector }).open(null);
      expect(s.loaded).toBe(true);
      expect(await s.load()).toEqual({});
      expect(calls).toEqual([]);
    });

    it("load() twice reads storage once; force reloads and drops unsaved changes", async () => {
      const s0 = await stored({ a: 1 });
      const { connector, calls } = countCalls(t.backend.connector);
      const s = new SessionManager({ connector }).open(s0.sessionKey);
      expect(await s.load()).toEqual({ a: 1 });
      s.set("a", 2);
      await s.load();
      expect(calls).toEqual(["getSession"]);
      expect(s.get("a")).toBe(2);
      await s.load({ force: true });
      expect(calls).toEqual(["getSession", "getSession"]);
      expect(s.get("a")).toBe(1);
      expect(s.modified).toBe(false);
    });

    it("save() loads first when needed, so nothing stored is lost", async () => {
      const s0 = await stored({ a: 1 });
      const s = t.sessions.open(s0.sessionKey);
      s.modified = true;
      await s.save();
      const again = t.sessions.open(s0.sessionKey);
      await again.load();
      expect(again.toJSON()).toEqual({ a: 1 });
    });
  });

  describe("destroy and exists", () => {
    it("destroy() removes the row, empties the store and drops the key", async () => {
      const s = await stored({ a: 1 });
      const id = s.id ?? "";
      await s.destroy();
      expect(await t.backend.readRow(id)).toBeNull();
      expect(s.sessionKey).toBeNull();
      expect(s.size).toBe(0);
      expect(s.destroyed).toBe(true);
      expect(s.needsUpdate()).toBe(false);
    });

    it("destroy() is idempotent and works without a prior load", async () => {
      const s0 = await stored({ a: 1 });
      const s = t.sessions.open(s0.sessionKey);
      await s.destroy();
      await s.destroy();
      expect(await t.sessions.open(null).exists(s0.sessionKey)).toBe(false);
    });

    it("destroy(otherKey) deletes that session only and leaves this store's data alone", async () => {
      const other = await stored({ x: 1 });
      const s = await stored({ mine: true });
      await s.destroy(other.sessionKey ?? "");
      expect(await s.exists(other.sessionKey)).toBe(false);
      expect(s.toJSON()).toEqual({ mine: true });
      expect(s.modified).toBe(false);
      expect(await s.exists()).toBe(true);
    });

    it("exists() counts an empty stored session as existing", async () => {
      const s = t.sessions.open(null);
      s.modified = true;
      await s.save();
      expect(await t.sessions.open(null).exists(s.sessionKey)).toBe(true);
    });

    it("exists() is false for no key, a malformed key or an unknown key, without throwing", async () => {
      const s = t.sessions.open(null);
      expect(await s.exists()).toBe(false);
      expect(await s.exists("../../etc/passwd")).toBe(false);
      expect(await s.exists("A".repeat(32))).toBe(false);
    });
  });
});
