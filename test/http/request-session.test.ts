import { beforeEach, describe, expect, it } from "@jest/globals";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../../prisma/generated/postgresql/client.js";
import { PrismaConnector } from "../../src/connectors/prisma.js";
import { RequestSession } from "../../src/http/request-session.js";
import { ConnectorError, MemoryConnector, SessionManager, SessionStore } from "../../src/index.js";
import { countCalls } from "../support/backends.js";

describe("SessionStore.accessed", () => {
  const sessions = new SessionManager({ connector: new MemoryConnector() });

  it("is false for a store nobody used, and reading the key or toString() does not count", () => {
    const s = sessions.open(SessionStore.generateSessionId());
    expect([s.sessionKey === null, s.loaded, s.destroyed, String(s)]).toEqual([
      false,
      false,
      false,
      expect.stringContaining("not loaded"),
    ]);
    expect(s.accessed).toBe(false);
  });

  it.each([
    ["load()", (s: SessionStore) => s.load()],
    ["get()", (s: SessionStore) => s.get("a")],
    ["has()", (s: SessionStore) => s.has("a")],
    ["set()", (s: SessionStore) => s.set("a", 1)],
    ["size", (s: SessionStore) => s.size],
    ["userId", (s: SessionStore) => s.userId],
    ["setExpiry()", (s: SessionStore) => s.setExpiry(60)],
    [
      "modified = true",
      (s: SessionStore) => {
        s.modified = true;
      },
    ],
    ["assignNewSessionKey()", (s: SessionStore) => s.assignNewSessionKey()],
    ["destroy()", (s: SessionStore) => s.destroy()],
  ])("becomes true on %s", async (_label, use) => {
    const s = sessions.open(null);
    await use(s);
    expect(s.accessed).toBe(true);
  });

  it("counts an access that throws NOT_LOADED too", () => {
    const s = sessions.open(SessionStore.generateSessionId());
    expect(() => s.get("a")).toThrow(expect.objectContaining({ code: "NOT_LOADED" }));
    expect(s.accessed).toBe(true);
  });
});

describe("SessionStore.detach", () => {
  it("forgets key and data in memory only: the stored session is untouched", async () => {
    const sessions = new SessionManager({ connector: new MemoryConnector() });
    const stored = sessions.open(null);
    stored.set("cart", ["apple"]);
    await stored.save();
    const s = sessions.open(stored.sessionKey);
    await s.load();
    s.detach();
    expect([s.sessionKey, s.loaded, s.size, s.needsUpdate()]).toEqual([null, true, 0, false]);
    const again = sessions.open(stored.sessionKey);
    expect(await again.load()).toEqual({ cart: ["apple"] });
  });
});

describe("RequestSession with the database stopped", () => {
  // Port 1 on loopback: nothing listens, so every query fails to connect.
  const prisma = new PrismaClient({
    adapter: new PrismaPg({ connectionString: "postgresql://postgres@127.0.0.1:1/test" }),
  });
  const { connector, calls } = countCalls(new PrismaConnector(prisma));
  const { options } = new SessionManager({ connector });
  const key = SessionStore.generateSessionId();

  beforeEach(() => {
    calls.length = 0;
  });

  it("fail-closed where the integration cannot replace the response: load rejects with ConnectorError", async () => {
    const s = new RequestSession(key, options, "fail-closed", false);
    await expect(s.load()).rejects.toThrow(ConnectorError);
    expect(s.storageError).toBeInstanceOf(ConnectorError);
    expect(s.storageErrorSurfaced).toBe(true);
  });

  it("fail-closed where the response is the integration's (Node): load gives an empty, unsaved session", async () => {
    const s = new RequestSession(key, options, "fail-closed");
    expect(await s.load()).toEqual({});
    s.set("a", 1);
    expect(s.needsUpdate()).toBe(false);
    expect(s.storageError).toBeInstanceOf(ConnectorError);
    expect(s.storageErrorSurfaced).toBe(false);
  });

  it("fail-closed: an explicit save() that cannot reach storage throws (the handler asked to know)", async () => {
    const s = new RequestSession(null, options, "fail-closed");
    s.set("a", 1);
    await expect(s.save()).rejects.toThrow(ConnectorError);
    expect(s.storageErrorSurfaced).toBe(true);
  });

  it("fail-open: load gives an empty session that is never saved", async () => {
    const s = new RequestSession(key, options, "fail-open");
    expect(await s.load()).toEqual({});
    s.set("a", 1);
    expect(s.needsUpdate()).toBe(false);
    await s.save();
    expect(calls).toEqual(["getSession"]);
    expect(s.storageError).toBeInstanceOf(ConnectorError);
    expect(s.sessionKey).toBeNull();
  });

  it("fail-open: a save whose own load fails writes nothing", async () => {
    const s = new RequestSession(key, options, "fail-open");
    s.modified = true;
    await s.save();
    expect(calls).toEqual(["getSession"]);
    expect(s.storageError).toBeInstanceOf(ConnectorError);
  });

  it("fail-open: a save that cannot reach storage is dropped, not thrown", async () => {
    const s = new RequestSession(null, options, "fail-open");
    s.set("a", 1);
    await s.save();
    expect(calls).toEqual(["createSession"]);
    expect(s.storageError).toBeInstanceOf(ConnectorError);
  });

  it("fail-closed: a save that cannot reach storage throws", async () => {
    const s = new RequestSession(null, options, "fail-closed");
    s.set("a", 1);
    await expect(s.save()).rejects.toThrow(ConnectorError);
  });

  it("a log-out that cannot reach storage always throws: it never looks done", async () => {
    const s = new RequestSession(key, options, "fail-open");
    await expect(s.destroy()).rejects.toThrow(ConnectorError);
    expect(s.storageError).toBeInstanceOf(ConnectorError);
  });
});

describe("RequestSession.loadedExpiry", () => {
  it("is the stored deadline as loaded, and null for a new session", async () => {
    const { options } = new SessionManager({ connector: new MemoryConnector() });
    const stored = new SessionStore(null, options);
    stored.set("a", 1);
    await stored.save();
    const s = new RequestSession(stored.sessionKey, options, "fail-closed");
    await s.load();
    expect(s.loadedExpiry).toEqual({ expiresAt: stored.getExpiryDate().getTime(), browserSession: false });
    expect(new RequestSession(null, options, "fail-closed").loadedExpiry).toBeNull();
  });
});
