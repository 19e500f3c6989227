import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from "@jest/globals";
import { jsonSerializer, SessionExpired, SessionManager, type SessionStore } from "../../src/index.js";
import { type Backend, backendNames, countCalls, openBackend } from "../support/backends.js";
import { advance, DAY, fakeDate, HOUR, MINUTE, SECOND } from "../support/fake-date.js";

describe.each(backendNames)("expiry on %s", (name) => {
  let backend: Backend;
  let sessions: SessionManager;

  beforeAll(async () => {
    backend = await openBackend(name);
    sessions = new SessionManager({
      connector: backend.connector,
      idleTimeout: { hours: 1 },
      absoluteTimeout: { hours: 8 },
    });
  });
  afterAll(() => backend.close());
  beforeEach(() => fakeDate());
  afterEach(() => {
    jest.useRealTimers();
  });

  async function created(data: Record<string, unknown> = { a: 1 }): Promise<SessionStore> {
    const s = sessions.open(null);
    s.update(data);
    await s.save();
    return s;
  }

  async function reopened(key: string | null): Promise<SessionStore> {
    const s = sessions.open(key);
    await s.load();
    return s;
  }

  describe("deadlines live in columns, not in the data", () => {
    it("a new session ends after the idle timeout, capped by the absolute timeout", async () => {
      const s = await created();
      const row = await backend.readRow(s.id ?? "");
      expect(row?.expiresAt.getTime()).toBe(Date.now() + HOUR);
      expect(row?.absoluteExpiresAt.getTime()).toBe(Date.now() + 8 * HOUR);
      expect(jsonSerializer.parse(row?.data ?? "")).toEqual({ a: 1 });
      expect(s.getExpiryDate().getTime()).toBe(Date.now() + HOUR);
      expect(s.getExpiryAge()).toBe(3600);
    });

    it("reading the expiry never modifies the session", async () => {
      const s = await reopened((await created()).sessionKey);
      s.getExpiryDate();
      s.getExpiryAge();
      s.sessionExpired();
      s.getExpireAtBrowserClose();
      expect(s.modified).toBe(false);
      expect([...s.keys()]).toEqual(["a"]);
    });

    it("a data write slides the idle deadline", async () => {
      const s = await created();
      advance(40 * MINUTE);
      const t = await reopened(s.sessionKey);
      t.set("b", 2);
      await t.save();
      expect((await backend.readRow(t.id ?? ""))?.expiresAt.getTime()).toBe(Date.now() + HOUR);
    });

    it("the absolute timeout caps sliding however active the session is", async () => {
      const s = await created();
      const createdAt = Date.now();
      for (let i = 0; i < 16; i++) {
        advance(30 * MINUTE - SECOND);
        const t = await reopened(s.sessionKey);
        t.set("i", i);
        await t.save();
      }
      const row = await backend.readRow(s.id ?? "");
      expect(row?.expiresAt.getTime()).toBe(createdAt + 8 * HOUR);
      advance(8 * HOUR);
      expect(await sessions.open(null).exists(s.sessionKey)).toBe(false);
    });
  });

  describe("sliding without write amplification", () => {
    it("an unmodified session is not written while more than half the idle window remains", async () => {
      const s = await created();
      advance(29 * MINUTE);
      const { connector, calls } = countCalls(backend.connector);
      const t = new SessionManager({ connector, idleTimeout: { hours: 1 }, absoluteTimeout: { hours: 8 } }).open(
        s.sessionKey,
      );
      await t.load();
      expect(t.needsUpdate()).toBe(false);
      await t.save();
      expect(calls).toEqual(["getSession"]);
    });

    it("past half the window, one expiry-only UPDATE extends it; data and version stay", async () => {
      const s = await created();
      const before = await backend.readRow(s.id ?? "");
      advance(31 * MINUTE);
      const { connector, calls } = countCalls(backend.connector);
      const t = new SessionManager({ connector, idleTimeout: { hours: 1 }, absoluteTimeout: { hours: 8 } }).open(
        s.sessionKey,
      );
      await t.load();
      expect(t.needsUpdate()).toBe(true);
      expect(t.modified).toBe(false);
      await t.save();
      expect(calls).toEqual(["getSession", "touchSession"]);
      const after = await backend.readRow(s.id ?? "");
      expect(after?.expiresAt.getTime()).toBe(Date.now() + HOUR);
      expect(after?.version).toBe(before?.version);
      expect(after?.data).toBe(before?.data);
      expect(t.needsUpdate()).toBe(false);
    });

    it("a session idle for longer than the idle timeout is gone", async () => {
      const s = await created();
      advance(HOUR);
      const t = await reopened(s.sessionKey);
      expect(t.sessionKey).toBeNull();
      expect(t.size).toBe(0);
    });
  });

  describe("loading an expired row behaves as no session", () => {
    it("expired data is never served and the next save gets a fresh key", async () => {
      const s = await created({ secret: "old" });
      advance(HOUR + SECOND);
      const t = await reopened(s.sessionKey);
      expect(t.get("secret")).toBeUndefined();
      expect(t.sessionKey).toBeNull();
      t.set("fresh", true);
      await t.save();
      expect(t.sessionKey).not.toBe(s.sessionKey);
      expect(t.toJSON()).toEqual({ fresh: true });
    });
  });

  describe("setExpiry", () => {
    it("seconds from now set a fixed deadline that later saves keep", async () => {
      const s = await created();
      s.setExpiry((3 * DAY) / SECOND);
      await s.save();
      const deadline = Date.now() + 3 * DAY;
      expect((await backend.readRow(s.id ?? ""))?.expiresAt.getTime()).toBe(deadline);
      advance(HOUR * 5);
      const t = await reopened(s.sessionKey);
      t.set("b", 1);
      await t.save();
      expect((await backend.readRow(s.id ?? ""))?.expiresAt.getTime()).toBe(deadline);
      expect(t.getExpiryAge()).toBe((3 * DAY - 5 * HOUR) / SECOND);
    });

    it("a date-fns Duration counts from now", async () => {
      const s = await created();
      s.setExpiry({ days: 2, hours: 3 });
      expect(s.getExpiryDate().getTime()).toBe(Date.now() + 2 * DAY + 3 * HOUR);
      await s.save();
      expect((await reopened(s.sessionKey)).getExpiryDate().getTime()).toBe(Date.now() + 2 * DAY + 3 * HOUR);
    });

    it("a Date is the deadline", async () => {
      const s = await created();
      const at = new Date(Date.now() + 90 * MINUTE);
      s.setExpiry(at);
      await s.save();
      expect((await reopened(s.sessionKey)).getExpiryDate()).toEqual(at);
    });

    it("0 means until the browser closes; the idle timeout still applies on the server", async () => {
      const s = await created();
      s.setExpiry(0);
      await s.save();
      const t = await reopened(s.sessionKey);
      expect(t.getExpireAtBrowserClose()).toBe(true);
      expect(t.getExpiryDate().getTime()).toBe(Date.now() + HOUR);
      advance(HOUR);
      expect(await t.exists()).toBe(false);
    });

    it("null returns to the default policy", async () => {
      const s = await created();
      s.setExpiry({ days: 5 });
      await s.save();
      s.setExpiry(null);
      await s.save();
      const t = await reopened(s.sessionKey);
      expect(t.getExpiryDate().getTime()).toBe(Date.now() + HOUR);
      expect(t.getExpireAtBrowserClose()).toBe(false);
    });

    it("a time in the past makes save() throw SessionExpired and writes nothing", async () => {
      const s = await created({ a: 1 });
      s.set("a", 2);
      s.setExpiry(-1);
      await expect(s.save()).rejects.toThrow(SessionExpired);
      expect(s.sessionExpired()).toBe(true);
      expect((await reopened(s.sessionKey)).get("a")).toBe(1);
      const fresh = sessions.open(null);
      fresh.set("a", 1);
      fresh.setExpiry(new Date(Date.now() - SECOND));
      await expect(fresh.save()).rejects.toMatchObject({ code: "SESSION_EXPIRED" });
      expect(fresh.sessionKey).toBeNull();
    });

    it.each([
      ["NaN", Number.NaN],
      ["Infinity", Number.POSITIVE_INFINITY],
      ["an invalid Date", new Date("nope")],
      ["a negative Duration", { days: -1 }],
      ["an unknown unit", { fortnights: 1 }],
      ["a boolean", true],
      ["a string", "3600"],
    ])("%s is refused with INVALID_EXPIRY", async (_label, value) => {
      const s = sessions.open(null);
      // @ts-expect-error: deliberately wrong types reach the runtime check too
      expect(() => s.setExpiry(value)).toThrow(expect.objectContaining({ code: "INVALID_EXPIRY" }));
    });
  });

  describe("clockTolerance: a server whose clock runs ahead", () => {
    it("serves a session up to the tolerance past its deadline, and no further", async () => {
      const s = await created({ a: 1 });
      const lenient = new SessionManager({
        connector: backend.connector,
        idleTimeout: { hours: 1 },
        clockTolerance: { seconds: 5 },
      });
      advance(HOUR + 2 * SECOND); // 2 s past the deadline by this (fast) clock
      // The memory connector drops rows expired by its own clock when it meets them (the contract
      // allows getSession to answer null for an expired row); databases return them.
      if (name !== "memory") {
        const within = lenient.open(s.sessionKey);
        await within.load();
        expect(within.get("a")).toBe(1);
      }
      expect((await reopened(s.sessionKey)).sessionKey).toBeNull(); // no tolerance by default
      advance(4 * SECOND); // 6 s past
      const beyond = lenient.open(s.sessionKey);
      await beyond.load();
      expect(beyond.sessionKey).toBeNull();
    });
  });
});
