import { createHash } from "node:crypto";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { SessionManager, SessionStore } from "../../src/index.js";
import { type Backend, countCalls, openBackend } from "../support/backends.js";
import { providers } from "../support/databases.js";
import { describeEachBackend } from "../support/each-backend.js";

describe("generated keys", () => {
  it("are 32 URL-safe characters (about 190 bits) and never repeat", () => {
    const keys = new Set(Array.from({ length: 10_000 }, () => SessionStore.generateSessionId()));
    expect(keys.size).toBe(10_000);
    for (const key of keys) expect(key).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });
});

describeEachBackend("key handling on %s", (t) => {
  it.each([
    ["a path", "../../victim"],
    ["an absolute path", "/etc/passwd"],
    ["a uuid (Duck's format)", "0b6f2b8e-4d7a-4a4e-9a51-2c8e3f1d9b7a"],
    ["a key one character short", "A".repeat(31)],
    ["a key with a forbidden character", `${"A".repeat(31)}.`],
    ["SQL", "' OR 1=1 --aaaaaaaaaaaaaaaaaaaaaa"],
    ["an empty string", ""],
    ["a huge value", "A".repeat(100_000)],
  ])("a malformed key (%s) is no session and costs no query", async (_label, key) => {
    const { connector, calls } = countCalls(t.backend.connector);
    const s = new SessionManager({ connector }).open(key);
    expect(s.sessionKey).toBeNull();
    expect(s.loaded).toBe(true);
    await s.load();
    expect(await s.exists()).toBe(false);
    expect(calls).toEqual([]);
  });

  it("an unknown but well-formed key is never adopted: the save gets a fresh key", async () => {
    const forged = SessionStore.generateSessionId();
    const s = t.sessions.open(forged);
    await s.load();
    expect(s.sessionKey).toBeNull();
    s.set("user", "victim");
    await s.save();
    expect(s.sessionKey).not.toBe(forged);
    expect(await s.exists(forged)).toBe(false);
    expect(await s.exists()).toBe(true);
  });

  it("toString and util.inspect show a redacted key, never the whole key", async () => {
    const s = t.sessions.open(null);
    s.set("cart", []);
    await s.save();
    const key = s.sessionKey ?? "";
    for (const text of [String(s), inspect(s), `${s}`]) {
      expect(text).toContain(key.slice(0, 4));
      expect(text).not.toContain(key);
      expect(text).toContain("cart");
    }
  });
});

describe.each(providers)("keys at rest on %s", (provider) => {
  let backend: Backend;
  let sessions: SessionManager;

  beforeAll(async () => {
    backend = await openBackend(provider);
    sessions = new SessionManager({ connector: backend.connector });
  });
  afterAll(() => backend.close());

  it("the table stores the SHA-256 digest of the key, never the key", async () => {
    const s = sessions.open(null);
    s.set("a", 1);
    await s.save();
    const key = s.sessionKey ?? "";
    const digest = createHash("sha256").update(key).digest("hex");
    expect(await backend.readRow(digest)).not.toBeNull();
    expect(s.id).toBe(digest);
    expect(await backend.allStoredText()).not.toContain(key);
  });
});

describe("logs", () => {
  it("never contain a full key", async () => {
    const lines: string[] = [];
    const log = (message: string, meta?: Record<string, unknown>) => lines.push(message + JSON.stringify(meta));
    const backend = await openBackend("memory");
    const sessions = new SessionManager({
      connector: backend.connector,
      logger: { debug: log, warn: log, error: log },
    });
    const forged = SessionStore.generateSessionId();
    await sessions.open(forged).load();
    await sessions.open("not-a-key").load();
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join("\n")).not.toContain(forged);
  });
});
