import { beforeEach, describe, expect, it } from "@jest/globals";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../../prisma/generated/postgresql/client.js";
import { PrismaConnector } from "../../src/connectors/prisma.js";
import type { StorageErrorPolicy } from "../../src/http/http-options.js";
import { openRequestSession } from "../../src/http/request-session.js";
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

describe("a request's session (openRequestSession) with the database stopped", () => {
  // Port 1 on loopback: nothing listens, so every query fails to connect.
  const prisma = new PrismaClient({
    adapter: new PrismaPg({ connectionString: "postgresql://postgres@127.0.0.1:1/test" }),
  });
  const { connector, calls } = countCalls(new PrismaConnector(prisma));
  const { options } = new SessionManager({ connector });
  const key = SessionStore.generateSessionId();
  const open = (sessionKey: string | null, policy: StorageErrorPolicy, answersForItself = true) =>
    openRequestSession(sessionKey, options, policy, answersForItself);

  beforeEach(() => {
    calls.length = 0;
  });

  it("fail-closed where the integration cannot replace the response: load rejects with ConnectorError", async () => {
    const { session: s, state } = open(key, "fail-closed", false);
    await expect(s.load()).rejects.toThrow(ConnectorError);
    expect(state.storageError).toBeInstanceOf(ConnectorError);
    expect(state.surfaced).toBe(true);
  });

  it("fail-closed where the response is the integration's (Node): load gives an empty, unsaved session", async () => {
    const { session: s, state } = open(key, "fail-closed");
    expect(await s.load()).toEqual({});
    s.set("a", 1);
    expect(s.needsUpdate()).toBe(false);
    expect(state.storageError).toBeInstanceOf(ConnectorError);
    expect(state.surfaced).toBe(false);
  });

  it("fail-closed: an explicit save() that cannot reach storage throws (the handler asked to know)", async () => {
    const { session: s, state } = open(null, "fail-closed");
    s.set("a", 1);
    await expect(s.save()).rejects.toThrow(ConnectorError);
    expect(state.surfaced).toBe(true);
  });

  it("fail-open: load gives an empty session that is never saved", async () => {
    const { session: s, state } = open(key, "fail-open");
    expect(await s.load()).toEqual({});
    s.set("a", 1);
    expect(s.needsUpdate()).toBe(false);
    await s.save();
    expect(calls).toEqual(["getSession"]);
    expect(state.storageError).toBeInstanceOf(ConnectorError);
    expect(s.sessionKey).toBeNull();
  });

  it("fail-open: a save whose own load fails writes nothing", async () => {
    const { session: s, state } = open(key, "fail-open");
    s.modified = true;
    await s.save();
    expect(calls).toEqual(["getSession"]);
    expect(state.storageError).toBeInstanceOf(ConnectorError);
  });

  it("fail-open: a save that cannot reach storage is dropped, not thrown", async () => {
    const { session: s, state } = open(null, "fail-open");
    s.set("a", 1);
    await s.save();
    expect(calls).toEqual(["createSession"]);
    expect(state.storageError).toBeInstanceOf(ConnectorError);
  });

  it("fail-closed: a save that cannot reach storage throws", async () => {
    const { session: s, state } = open(null, "fail-closed");
    s.set("a", 1);
    await expect(s.save()).rejects.toThrow(ConnectorError);
    expect(state.storageError).toBeInstanceOf(ConnectorError);
  });

  it("a log-out that cannot reach storage always throws: it never looks done", async () => {
    const { session: s, state } = open(key, "fail-open");
    await expect(s.destroy()).rejects.toThrow(ConnectorError);
    expect(state.storageError).toBeInstanceOf(ConnectorError);
  });
});

describe("a request's session: the deadline as loaded", () => {
  it("is the stored deadline as loaded, and null for a new session", async () => {
    const { options } = new SessionManager({ connector: new MemoryConnector() });
    const stored = new SessionStore(null, options);
    stored.set("a", 1);
    await stored.save();
    const { session: s, state } = openRequestSession(stored.sessionKey, options, "fail-closed", true);
    await s.load();
    expect(state.loadedExpiry).toEqual({ expiresAt: stored.getExpiryDate().getTime(), browserSession: false });
    expect(openRequestSession(null, options, "fail-closed", true).state.loadedExpiry).toBeNull();
  });
});
