// Everything that talks to PostgreSQL, through PgBouncer in transaction mode: consecutive
// transactions of one client may run on different server connections, so nothing may rely on
// session state (prepared statements, SET, session-level advisory locks). Each describe block
// works in a database of its own, created on the direct connection (see pg-database.ts).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { PrismaPg } from "@prisma/adapter-pg";
import express from "express";
import pg from "pg";
import request from "supertest";
import { PrismaClient as PostgresClient } from "../../prisma/generated/postgresql/client.js";
import { CachedConnector } from "../../src/cache/cached-connector.js";
import { pgInvalidation } from "../../src/cache/pg-channel.js";
import { cleanupExpiredSessions } from "../../src/cleanup/cleanup.js";
import type { CleanupTarget } from "../../src/connector.js";
import { PrismaConnector } from "../../src/connectors/prisma.js";
import { PrismaAdapterConnector } from "../../src/connectors/prisma-adapter.js";
import { ConfigError } from "../../src/errors.js";
import { session } from "../../src/integrations/express.js";
import { SessionManager } from "../../src/session-manager.js";
import { ensureSessionTable } from "../../src/setup/ensure-session-table.js";
import { PrismaCleanupLock } from "../../src/storage/prisma-lock.js";
import { PrismaCleanupTarget } from "../../src/storage/prisma-target.js";
import { countRows, HOUR, insertRows, transactionClient } from "../cleanup/fixtures.js";
import { removeCliBuild, runCli } from "../cli/run-cli.js";
import { cookieHeader } from "../integrations/helpers.js";
import { countCalls } from "../support/backends.js";
import { describePgConformance } from "../support/infra/pg-conformance.js";
import { openPgDatabase, type PgDatabaseOptions, type PgTestDatabase } from "../support/infra/pg-database.js";
import { type PgBouncer, startPgBouncer } from "../support/infra/pgbouncer.js";

let bouncer: PgBouncer | undefined;

beforeAll(async () => {
  bouncer = await startPgBouncer();
  console.info(`PgBouncer (transaction mode) on port ${bouncer.port}, up in ${Math.round(bouncer.startMs)} ms`);
}, 60_000);
afterAll(async () => {
  await removeCliBuild();
  await bouncer?.stop();
});

function pooler(): PgBouncer {
  if (bouncer === undefined) throw new Error("PgBouncer did not start");
  return bouncer;
}

/** A database of its own, its clients connected through PgBouncer. */
function openDatabase(options: Partial<PgDatabaseOptions> = {}): Promise<PgTestDatabase> {
  return openPgDatabase({ server: pooler().serverUrl, clientUrl: (name) => pooler().url(name), ...options });
}

describePgConformance("through PgBouncer (transaction mode)", openDatabase);

describe("ensureSessionTable through PgBouncer", () => {
  let db: PgTestDatabase;
  beforeAll(async () => {
    db = await openDatabase({ createTable: false });
  });
  afterAll(() => db.close());

  it("creates the table and its indexes in an empty database, then applies nothing", async () => {
    await expect(ensureSessionTable(db.prisma, { provider: "postgresql" })).resolves.toEqual({
      created: true,
      statements: 4, // the table, two indexes, the device columns
    });
    await expect(ensureSessionTable(db.prisma, { provider: "postgresql" })).resolves.toEqual({
      created: false,
      statements: 0,
    });
    const indexes = await db.sql("SELECT indexname FROM pg_indexes WHERE tablename = 'sessions' ORDER BY indexname");
    expect(indexes.length).toBe(3);
  });

  it("four processes calling it at once all succeed", async () => {
    await db.exec("DROP TABLE sessions");
    const clients = Array.from({ length: 4 }, () => db.openClient());
    const results = await Promise.all(clients.map((client) => ensureSessionTable(client, { provider: "postgresql" })));
    expect(results.reduce((sum, result) => sum + result.statements, 0)).toBe(4);
  });
});

type CleanupKind = "PrismaConnector" | "PrismaCleanupTarget" | "PrismaCleanupTarget with pool";

describe.each<CleanupKind>(["PrismaConnector", "PrismaCleanupTarget", "PrismaCleanupTarget with pool"])(
  "cleanup through PgBouncer with %s",
  (kind) => {
    let db: PgTestDatabase;
    const pools: pg.Pool[] = [];
    const now = new Date();

    beforeAll(async () => {
      db = await openDatabase();
    });
    afterEach(() => db.exec("DELETE FROM sessions"));
    afterAll(async () => {
      await Promise.all(pools.map((pool) => pool.end()));
      await db.close();
    });

    /** A target and its lock on a client of their own, as another process would have. */
    function open(): { target: CleanupTarget; lock: PrismaCleanupLock } {
      if (kind === "PrismaCleanupTarget with pool") {
        const pool = new pg.Pool({ connectionString: db.clientUrl });
        pools.push(pool);
        const client = new PostgresClient({ adapter: new PrismaPg(pool) });
        return {
          target: new PrismaCleanupTarget(client, { provider: "postgresql", pool }),
          lock: new PrismaCleanupLock(client, { provider: "postgresql" }),
        };
      }
      const client = transactionClient(db);
      return {
        target:
          kind === "PrismaConnector"
            ? new PrismaConnector(client)
            : new PrismaCleanupTarget(client, { provider: "postgresql" }),
        lock: new PrismaCleanupLock(client, { provider: "postgresql" }),
      };
    }

    it("deletes every expired row in batches and leaves the live ones", async () => {
      await insertRows(db, 2500, new Date(now.getTime() - HOUR));
      await insertRows(db, 300, new Date(now.getTime() + HOUR));
      const { target } = open();
      const result = await cleanupExpiredSessions(target, { now, batchSize: 1000 });
      expect(result).toMatchObject({ deleted: 2500, stoppedEarly: false });
      await expect(countRows(db, now)).resolves.toEqual({ expired: 0, live: 300 });
    });

    it("on the database's clock (currentTime through the pooler), expired rows go and live ones stay", async () => {
      await insertRows(db, 20, new Date(Date.now() - HOUR));
      await insertRows(db, 5, new Date(Date.now() + HOUR));
      const result = await cleanupExpiredSessions(open().target);
      expect(result).toMatchObject({ deleted: 20, stoppedEarly: false });
      await expect(countRows(db, new Date())).resolves.toEqual({ expired: 0, live: 5 });
    });

    it("with the lock, a second runner stops at once ('locked'), then runs once it is released", async () => {
      await insertRows(db, 50, new Date(now.getTime() - HOUR));
      const [first, second] = [open(), open()];
      const held = await first.lock.tryAcquire();
      expect(held).not.toBeNull();
      const skipped = await cleanupExpiredSessions(second.target, { now, lock: second.lock });
      expect(skipped).toMatchObject({ deleted: 0, batches: 0, stoppedEarly: "locked" });
      await held?.release();
      const ran = await cleanupExpiredSessions(second.target, { now, lock: second.lock });
      expect(ran).toMatchObject({ deleted: 50, stoppedEarly: false });
    });

    it("two runners started together with the lock: one runs, the other reports 'locked'", async () => {
      await insertRows(db, 3000, new Date(now.getTime() - HOUR));
      const [first, second] = [open(), open()];
      const results = await Promise.all([
        cleanupExpiredSessions(first.target, { now, batchSize: 100, lock: first.lock }),
        cleanupExpiredSessions(second.target, { now, batchSize: 100, lock: second.lock }),
      ]);
      expect(results.map((result) => result.stoppedEarly).sort()).toEqual([false, "locked"]);
      expect(results[0].deleted + results[1].deleted).toBe(3000);
    });
  },
);

describe("`prisma-sessions cleanup --lock` through PgBouncer", () => {
  let db: PgTestDatabase;
  beforeAll(async () => {
    db = await openDatabase();
  });
  afterAll(() => db.close());

  it("deletes the expired rows (the server-side batches run through the pooler)", async () => {
    await insertRows(db, 1500, new Date(Date.now() - HOUR));
    await insertRows(db, 10, new Date(Date.now() + HOUR));
    const run = await runCli(["cleanup", "--database-url", db.clientUrl, "--lock", "--batch-size", "500", "--json"]);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(run.stdout)).toMatchObject({ command: "cleanup", deleted: 1500, stoppedEarly: false });
    await expect(countRows(db, new Date())).resolves.toEqual({ expired: 0, live: 10 });
  });

  it("exits 3 and does nothing while an in-process runner holds the lock through PgBouncer", async () => {
    await insertRows(db, 5, new Date(Date.now() - HOUR));
    const held = await new PrismaCleanupLock(transactionClient(db), { provider: "postgresql" }).tryAcquire();
    expect(held).not.toBeNull();
    const locked = await runCli(["cleanup", "--database-url", db.clientUrl, "--lock"]);
    expect(locked).toMatchObject({
      code: 3,
      stdout: "Another cleanup holds the lock on sessions; nothing was done.\n",
    });
    await expect(countRows(db, new Date())).resolves.toMatchObject({ expired: 5 });
    await held?.release();
    const ran = await runCli(["cleanup", "--database-url", db.clientUrl, "--lock"]);
    expect(ran.code).toBe(0);
    await expect(countRows(db, new Date())).resolves.toMatchObject({ expired: 0 });
  });
});

type Data = { cart: string[]; user: string } & Record<`mark-${string}`, boolean>;

describe.each(["PrismaConnector", "PrismaAdapterConnector"] as const)(
  "the Express middleware through PgBouncer on %s",
  (kind) => {
    let db: PgTestDatabase;
    let app: express.Express;

    beforeAll(async () => {
      db = await openDatabase();
      const sessions = session<Data>({
        connector:
          kind === "PrismaConnector" ? new PrismaConnector(db.prisma) : new PrismaAdapterConnector(db.openAdapter()),
        cookie: { secure: false },
        logger: { error: () => {}, warn: () => {} },
      });
      app = express();
      app.use(express.json());
      app.use(sessions);
      app.get("/whoami", async (req, res) => {
        const s = sessions.from(req);
        await s.load();
        res.json({ user: s.get("user") ?? null, cart: s.get("cart") ?? [], all: s.toJSON() });
      });
      app.post("/cart", async (req, res) => {
        const s = sessions.from(req);
        await s.load();
        s.set("cart", [...(s.get("cart") ?? []), String(req.body.item)]);
        res.json(s.get("cart"));
      });
      app.post("/mark/:name", async (req, res) => {
        const s = sessions.from(req);
        await s.load();
        s.set(`mark-${req.params.name}`, true);
        res.send("marked");
      });
      app.post("/login", async (req, res) => {
        const s = sessions.from(req);
        await s.assignNewSessionKey();
        s.userId = String(req.body.user);
        s.set("user", String(req.body.user));
        res.json({ welcome: s.get("user") });
      });
    });
    afterAll(() => db.close());

    it("keeps a cart across requests, rotates the key at sign-in and reads no session under the old key", async () => {
      const first = await request(app).post("/cart").send({ item: "apple" }).expect(200);
      const oldCookie = cookieHeader(first, "session_id");
      await request(app).post("/cart").set("Cookie", oldCookie).send({ item: "pear" }).expect(200);
      const login = await request(app).post("/login").set("Cookie", oldCookie).send({ user: "ann" }).expect(200);
      const newCookie = cookieHeader(login, "session_id");
      expect(newCookie).not.toBe(oldCookie);
      const signedIn = await request(app).get("/whoami").set("Cookie", newCookie).expect(200);
      expect(signedIn.body).toMatchObject({ user: "ann", cart: ["apple", "pear"] });
      const late = await request(app).get("/whoami").set("Cookie", oldCookie).expect(200);
      expect(late.body).toEqual({ user: null, cart: [], all: {} });
    });

    it("20 parallel requests, each setting its own key in one session, lose none", async () => {
      const first = await request(app).post("/cart").send({ item: "apple" }).expect(200);
      const cookie = cookieHeader(first, "session_id");
      const names = Array.from({ length: 20 }, (_, i) => `m${i}`);
      const results = await Promise.all(names.map((name) => request(app).post(`/mark/${name}`).set("Cookie", cookie)));
      expect(results.map((res) => res.status)).toEqual(names.map(() => 200));
      const after = await request(app).get("/whoami").set("Cookie", cookie).expect(200);
      const marks = Object.keys(after.body.all).filter((key) => key.startsWith("mark-"));
      expect(marks.sort()).toEqual(names.map((name) => `mark-${name}`).sort());
    });
  },
);

describe("the session cache through PgBouncer in transaction mode", () => {
  let db: PgTestDatabase;
  beforeAll(async () => {
    db = await openDatabase();
  });
  afterAll(() => db.close());

  it("LISTEN is not kept, so no cached session is ever served, and the cache says why once, as a ConfigError", async () => {
    const listen = new pg.Pool({ connectionString: db.clientUrl, max: 2 });
    const counted = countCalls(new PrismaAdapterConnector(db.openAdapter()));
    const warnings: unknown[] = [];
    const cached = new CachedConnector(counted.connector, {
      channel: pgInvalidation({ pool: listen }),
      stalenessMs: 200,
      logger: { warn: (_message, meta) => warnings.push(meta?.error) },
    });
    try {
      await cached.start();
      const sessions = new SessionManager({ connector: cached });
      const store = sessions.open();
      store.set("cart", ["apple"]);
      await store.save();
      const key = store.sessionKey;
      if (key === null) throw new Error("no key");
      await new Promise((resolve) => setTimeout(resolve, 2600));
      counted.calls.length = 0;
      for (let i = 0; i < 3; i++) await expect(sessions.open(key).load()).resolves.toEqual({ cart: ["apple"] });
      expect(cached.serving).toBe(false);
      expect(counted.calls.filter((call) => call === "getSession")).toHaveLength(3);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toBeInstanceOf(ConfigError);
      expect((warnings[0] as ConfigError).message).toMatch(/transaction pooler/);
    } finally {
      await cached.close();
      await listen.end();
    }
  });
});
