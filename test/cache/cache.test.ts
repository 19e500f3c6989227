// The session cache across two processes: this one changes sessions through a plain connector,
// the other (a child process, test/cache/cache-process.ts) serves loads through a CachedConnector.
// A destroy, a rotation or a log-out-everywhere here is never served there after the staleness
// budget; with the invalidation channel cut there, no cached read is served at all.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createClient } from "redis";
import { CachedConnector } from "../../src/cache/cached-connector.js";
import { redisInvalidation } from "../../src/cache/redis-channel.js";
import { PrismaAdapterConnector } from "../../src/connectors/prisma-adapter.js";
import { SessionManager } from "../../src/index.js";
import { ensureInvalidationTrigger } from "../../src/setup/ensure-invalidation-trigger.js";
import { openTestDatabase, type Provider, providers, type TestDatabase } from "../support/databases.js";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";

const STALENESS_MS = 400;
const ROOT = new URL("../..", import.meta.url).pathname;

interface Child {
  process: ChildProcess;
  port: number;
}

async function startChild(env: Record<string, string>): Promise<Child> {
  const child = spawn(process.execPath, ["--import", "tsx", "test/cache/cache-process.ts"], {
    cwd: ROOT,
    env: { ...process.env, ...env, CACHE_STALENESS_MS: String(STALENESS_MS) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [chunk] = (await once(child.stdout ?? child, "data")) as [Buffer];
  const port = Number(/listening (\d+)/.exec(chunk.toString())?.[1]);
  if (!port) throw new Error(`the cache process did not start: ${chunk.toString()}`);
  return { process: child, port };
}

async function whoami(child: Child, key: string): Promise<{ data: unknown; databaseReads: number; serving: boolean }> {
  const res = await fetch(`http://127.0.0.1:${child.port}/whoami`, { headers: { cookie: `session_id=${key}` } });
  return (await res.json()) as { data: unknown; databaseReads: number; serving: boolean };
}

/** Polls until the child no longer serves `original` under `key`; returns how long that took. */
async function untilGone(child: Child, key: string, original: unknown, since: number): Promise<number> {
  for (;;) {
    const { data } = await whoami(child, key);
    // Gone (a destroy), or empty (the key was rotated: it reads as no session).
    if (JSON.stringify(data) !== JSON.stringify(original)) return performance.now() - since;
    if (performance.now() - since > 10_000) throw new Error("the other process kept serving a revoked session");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function serving(child: Child): Promise<void> {
  for (let i = 0; i < 500 && !(await whoami(child, "none")).serving; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function notServing(child: Child): Promise<void> {
  for (let i = 0; i < 500 && (await whoami(child, "none")).serving; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect((await whoami(child, "none")).serving).toBe(false);
}

const cases: [Provider, "pg" | "redis"][] = [];
if (providers.includes("postgresql")) cases.push(["postgresql", "pg"], ["postgresql", "redis"]);
if (providers.includes("mysql")) cases.push(["mysql", "redis"]);

describe.each(cases)("the session cache on %s, invalidated through %s", (provider, channel) => {
  let db: TestDatabase;
  let child: Child;
  let sessions: SessionManager;
  let own: CachedConnector | undefined;
  let proxy: TcpProxy;
  let publisher: ReturnType<typeof createClient> | undefined;
  let subscriber: ReturnType<typeof createClient> | undefined;
  const worst: number[] = [];

  beforeAll(async () => {
    db = await openTestDatabase(provider);
    if (channel === "pg") await ensureInvalidationTrigger(db.prisma, { provider: "postgresql" });
    const [row] = await db.sql(
      provider === "postgresql" ? "SELECT current_schema() AS name" : "SELECT DATABASE() AS name",
    );
    proxy = await startTcpProxy({ host: "127.0.0.1", port: channel === "pg" ? 5432 : 6379 });
    child = await startChild({
      CACHE_PROVIDER: provider,
      CACHE_NAMESPACE: String(row?.name),
      CACHE_CHANNEL: channel,
      CACHE_CHANNEL_PORT: String(proxy.port),
    });
    await serving(child);
    const plain = new PrismaAdapterConnector(db.openAdapter());
    if (channel === "pg") {
      // The database's trigger announces this process's writes: it needs no cache of its own.
      sessions = new SessionManager({ connector: plain });
    } else {
      // Redis cannot see the database: every writer announces its changes through a cached connector.
      publisher = createClient({ url: "redis://127.0.0.1:6379" });
      subscriber = publisher.duplicate();
      await Promise.all([publisher.connect(), subscriber.connect()]);
      own = new CachedConnector(plain, {
        channel: redisInvalidation({ publisher, subscriber, channel: `prisma_sessions_${String(row?.name)}` }),
      });
      await own.start();
      sessions = new SessionManager({ connector: own });
    }
  });
  afterAll(async () => {
    // The worst case seen, for the closing note: the budget is the bound, not a timing target.
    if (worst.length > 0) {
      console.log(
        `session cache ${provider}/${channel}: worst revocation seen after ${Math.round(Math.max(...worst))} ms (budget ${STALENESS_MS} ms)`,
      );
    }
    await own?.close();
    await subscriber?.quit().catch(() => {});
    await publisher?.quit().catch(() => {});
    child?.process.kill("SIGTERM");
    if (child) await once(child.process, "exit");
    await proxy?.close();
    await db.close();
  });

  async function cachedSession(data: Record<string, unknown>, userId?: string): Promise<string> {
    const s = sessions.open(null);
    s.update(data);
    if (userId !== undefined) s.userId = userId;
    await s.save();
    const key = s.sessionKey ?? "";
    const first = await whoami(child, key);
    const second = await whoami(child, key);
    expect(second.data).toEqual(data);
    expect(second.databaseReads).toBe(first.databaseReads); // the second load came from the cache
    return key;
  }

  it("serves repeated loads from memory (no database read)", async () => {
    const key = await cachedSession({ cart: ["apple"] });
    const before = (await whoami(child, key)).databaseReads;
    for (let i = 0; i < 5; i++) await whoami(child, key);
    expect((await whoami(child, key)).databaseReads).toBe(before);
  });

  it("a destroy here is not served there after the budget", async () => {
    const key = await cachedSession({ user: "ann" });
    const since = performance.now();
    await sessions.open(key).destroy();
    worst.push(await untilGone(child, key, { user: "ann" }, since));
    expect((await whoami(child, key)).data).toBeNull();
    expect(worst.at(-1)).toBeLessThanOrEqual(STALENESS_MS * 3);
  });

  it("a rotation here: the old key is not served there after the budget", async () => {
    const key = await cachedSession({ user: "bob" });
    const s = sessions.open(key);
    await s.assignNewSessionKey();
    const since = performance.now();
    await s.save();
    worst.push(await untilGone(child, key, { user: "bob" }, since));
    expect((await whoami(child, key)).data).toEqual({}); // the old key: no session, none of its data
    expect((await whoami(child, s.sessionKey ?? "")).data).toEqual({ user: "bob" });
  });

  it("log-out-everywhere here is not served there after the budget", async () => {
    const user = `everywhere-${provider}-${channel}`;
    const keys = [await cachedSession({ n: 1 }, user), await cachedSession({ n: 2 }, user)];
    const since = performance.now();
    const cleared = await sessions.destroyUserSessions(user);
    expect(cleared).toBe(2);
    for (const [index, key] of keys.entries()) worst.push(await untilGone(child, key, { n: index + 1 }, since));
  });

  it("with the channel cut there, no cached read is served at all; it comes back by itself", async () => {
    const key = await cachedSession({ user: "cut" });
    await proxy.stop();
    await notServing(child);
    const before = (await whoami(child, key)).databaseReads;
    for (let i = 0; i < 3; i++) await whoami(child, key);
    expect((await whoami(child, key)).databaseReads).toBe(before + 4);
    // A change here is seen there at once: nothing cached is served.
    await sessions.open(key).destroy();
    expect((await whoami(child, key)).data).toBeNull();
    await proxy.start();
    await serving(child);
    expect((await whoami(child, "none")).serving).toBe(true);
  });

  it("with the channel lagging beyond the budget, no cached read is served either", async () => {
    const key = await cachedSession({ user: "lag" });
    proxy.freeze();
    await notServing(child);
    const before = (await whoami(child, key)).databaseReads;
    await whoami(child, key);
    expect((await whoami(child, key)).databaseReads).toBe(before + 2);
    proxy.thaw();
    await serving(child);
  });
});
