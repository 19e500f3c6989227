import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import express from "express";
import session, { type SessionData as ExpressData, MemoryStore, type Store } from "express-session";
import request from "supertest";
import type { SessionConnector, SessionInventory } from "../../src/connector.js";
import { PrismaConnector } from "../../src/connectors/prisma.js";
import { ConnectorError, SessionInterrupted } from "../../src/errors.js";
import { ExpressSessionStore } from "../../src/integrations/express-store.js";
import { jsonSerializer } from "../../src/serializer.js";
import { countCalls } from "../support/backends.js";
import { openTestDatabase, providers, type TestDatabase } from "../support/databases.js";
import { cookieHeader } from "./helpers.js";

declare module "express-session" {
  interface SessionData {
    user: string;
    views: number;
    hits: string[];
  }
}

const SECRET = "a secret long enough for express-session";
const MINUTE = 60_000;

/** An ordinary express-session app: only the `store` line differs between runs. */
function buildApp(store: Store, onLogoutOthers?: (user: string, sid: string) => Promise<number>): express.Express {
  const app = express();
  app.use(session({ secret: SECRET, store, resave: false, saveUninitialized: false, cookie: { maxAge: 60 * MINUTE } }));
  app.get("/views", (req, res) => {
    req.session.views = (req.session.views ?? 0) + 1;
    res.json({ views: req.session.views, user: req.session.user ?? null });
  });
  app.get("/peek", (req, res) => {
    res.json({ views: req.session.views ?? null, user: req.session.user ?? null });
  });
  app.post("/hit/:name", (req, res) => {
    req.session.hits = [...(req.session.hits ?? []), req.params.name];
    res.json(req.session.hits);
  });
  app.post("/login/:user", (req, res, next) => {
    const { views } = req.session;
    req.session.regenerate((error) => {
      if (error) return next(error);
      req.session.user = req.params.user;
      if (views !== undefined) req.session.views = views;
      res.json({ user: req.session.user });
    });
  });
  app.post("/logout", (req, res, next) => {
    req.session.destroy((error) => (error ? next(error) : res.send("bye")));
  });
  app.post("/logout-others", async (req, res, next) => {
    try {
      res.json({ removed: await onLogoutOthers?.(req.session.user ?? "", req.sessionID) });
    } catch (error) {
      next(error);
    }
  });
  return app;
}

/** The signed cookie's session id, as express-session hands it to the store. */
function sidOf(cookie: string): string {
  const value = decodeURIComponent(cookie.split("=")[1] ?? "");
  return value.slice(2, value.lastIndexOf("."));
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The express-session callback API as promises, for direct calls. */
function promised<T>(call: (callback: (error: unknown, value?: T) => void) => void): Promise<T | undefined> {
  return new Promise((resolve, reject) => call((error, value) => (error ? reject(error) : resolve(value))));
}

describe("the one-line switch", () => {
  async function scenario(store: Store): Promise<unknown[]> {
    const app = buildApp(store);
    const first = await request(app).get("/views");
    const cookie = cookieHeader(first, "connect.sid");
    const second = await request(app).get("/views").set("Cookie", cookie);
    const login = await request(app).post("/login/ann").set("Cookie", cookie);
    const loggedIn = cookieHeader(login, "connect.sid");
    const after = await request(app).get("/peek").set("Cookie", loggedIn);
    const old = await request(app).get("/peek").set("Cookie", cookie);
    await request(app).post("/logout").set("Cookie", loggedIn);
    const out = await request(app).get("/peek").set("Cookie", loggedIn);
    return [first.body, second.body, loggedIn !== cookie, after.body, old.body, out.body];
  }

  it.each(providers)("an express-session app behaves the same on MemoryStore and on %s", async (provider) => {
    const db = await openTestDatabase(provider);
    try {
      const ours = await scenario(new ExpressSessionStore({ connector: new PrismaConnector(db.prisma) }));
      expect(ours).toEqual(await scenario(new MemoryStore()));
      expect(ours).toEqual([
        { views: 1, user: null },
        { views: 2, user: null },
        true,
        { views: 2, user: "ann" },
        { views: null, user: null },
        { views: null, user: null },
      ]);
    } finally {
      await db.close();
    }
  });
});

describe.each(providers)("ExpressSessionStore on %s", (provider) => {
  let db: TestDatabase;
  let connector: SessionConnector & SessionInventory;
  let store: ExpressSessionStore;
  let app: express.Express;

  beforeAll(async () => {
    db = await openTestDatabase(provider);
    connector = new PrismaConnector(db.prisma);
    store = new ExpressSessionStore({ connector, userId: (s) => s.user });
    app = buildApp(store, (user, sid) => store.destroyUserSessions(user, { except: sid }));
  });
  afterAll(() => db.close());

  // Deadlines are read and moved through Prisma itself (not the store under test), which writes
  // each provider's date format.
  async function deadline(sid: string): Promise<number | undefined> {
    return (await db.prisma.session.findUnique({ where: { id: sha256(sid) } }))?.expiresAt.getTime();
  }

  async function moveDeadline(sid: string, expiresAt: Date): Promise<void> {
    await db.prisma.session.updateMany({ where: { id: sha256(sid) }, data: { expiresAt } });
  }

  it("stores session ids hashed: the table never holds one", async () => {
    const cookie = cookieHeader(await request(app).get("/views"), "connect.sid");
    const sid = sidOf(cookie);
    const rows = await db.sql("SELECT id, data FROM sessions WHERE id = ?", [sha256(sid)]);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(await db.sql("SELECT * FROM sessions"))).not.toContain(sid);
  });

  it("an expired session is not served", async () => {
    const cookie = cookieHeader(await request(app).get("/views"), "connect.sid");
    await moveDeadline(sidOf(cookie), new Date(Date.now() - MINUTE));
    expect((await request(app).get("/peek").set("Cookie", cookie)).body).toEqual({ views: null, user: null });
  });

  it("touch writes nothing while more than half of the lifetime is left, then one UPDATE of the deadline", async () => {
    const counted = countCalls(connector);
    const counting = buildApp(new ExpressSessionStore({ connector: counted.connector }));
    const cookie = cookieHeader(await request(counting).get("/views"), "connect.sid");
    const sid = sidOf(cookie);
    counted.calls.length = 0;
    await request(counting).get("/peek").set("Cookie", cookie);
    expect(counted.calls).toEqual(["getSession"]);

    await moveDeadline(sid, new Date(Date.now() + 10 * MINUTE)); // 10 of 60 minutes left: due
    counted.calls.length = 0;
    const res = await request(counting).get("/peek").set("Cookie", cookie);
    expect(res.body).toEqual({ views: 1, user: null });
    expect(counted.calls).toEqual(["getSession", "touchSession"]);
    expect(await deadline(sid)).toBeGreaterThan(Date.now() + 55 * MINUTE);
  });

  /** Two stores on two clients: two application processes, so writes really race in the database. */
  function twoProcesses(): [ExpressSessionStore, ExpressSessionStore] {
    return [store, new ExpressSessionStore({ connector: new PrismaConnector(db.openClient()) })];
  }

  it("parallel requests on one session, across two processes, never crash (the last writer of a key wins)", async () => {
    const [first, second] = twoProcesses();
    const [one, two] = [buildApp(first), buildApp(second)];
    const cookie = cookieHeader(await request(app).get("/views"), "connect.sid");
    const names = Array.from({ length: 16 }, (_, i) => `r${i}`);
    const responses = await Promise.all(
      names.map((name, i) =>
        request(i % 2 === 0 ? one : two)
          .post(`/hit/${name}`)
          .set("Cookie", cookie),
      ),
    );
    expect(responses.map((res) => res.status)).toEqual(names.map(() => 200));
    const [row] = await db.sql("SELECT data FROM sessions WHERE id = ?", [sha256(sidOf(cookie))]);
    const stored = jsonSerializer.parse(String(row?.data)) as { views: number; hits: string[] };
    expect(stored.views).toBe(1);
    expect(stored.hits.length).toBeGreaterThan(0);
    for (const hit of stored.hits) expect(names).toContain(hit);
  });

  it("parallel set() calls on a new id, across two processes, create it once and all succeed", async () => {
    const [one, two] = twoProcesses();
    const sid = `new-${"p".repeat(28)}`;
    const cookie = { originalMaxAge: MINUTE, expires: new Date(Date.now() + MINUTE), httpOnly: true, path: "/" };
    const sessions = Array.from({ length: 10 }, (_, views) => ({ cookie, views }) as unknown as ExpressData);
    await Promise.all(
      sessions.map((each, i) => promised<void>((done) => (i % 2 === 0 ? one : two).set(sid, each, done))),
    );
    expect(await db.sql("SELECT version FROM sessions WHERE id = ?", [sha256(sid)])).toEqual([{ version: 10 }]);
  });

  it("a late set() of a session destroyed meanwhile is refused with SessionInterrupted, not a silent drop", async () => {
    const cookie = cookieHeader(await request(app).get("/views"), "connect.sid");
    const sid = sidOf(cookie);
    const loaded = await promised<ExpressData | null>((done) => store.get(sid, done));
    await promised((done) => store.destroy(sid, done));
    if (loaded === undefined || loaded === null) throw new Error("the session should load");
    await expect(promised((done) => store.set(sid, loaded, done))).rejects.toMatchObject({
      name: "SessionInterrupted",
      code: "SESSION_INTERRUPTED",
    });
    expect(await promised((done) => store.get(sid, done))).toBeNull();
  });

  it("no resurrection without process memory: process A reads, B logs out, A serves 10,001 other ids, A's late set is refused", async () => {
    const [a, b] = twoProcesses();
    const cookie = cookieHeader(await request(app).get("/views"), "connect.sid");
    const sid = sidOf(cookie);
    const loaded = await promised<ExpressData | null>((done) => a.get(sid, done));
    if (loaded === undefined || loaded === null) throw new Error("the session should load");
    await promised((done) => b.destroy(sid, done));
    const others = Array.from({ length: 10_001 }, (_, i) => `other-${i}`);
    for (let start = 0; start < others.length; start += 500) {
      await Promise.all(others.slice(start, start + 500).map((other) => promised((done) => a.get(other, done))));
    }
    loaded.views = 99;
    await expect(promised((done) => a.set(sid, loaded, done))).rejects.toBeInstanceOf(SessionInterrupted);
    expect(await db.sql("SELECT id FROM sessions WHERE id = ?", [sha256(sid)])).toEqual([]);
  });

  it("an explicit req.session.save() refused after a log-out elsewhere gets SessionInterrupted: the app answers 409", async () => {
    const explicit = express();
    explicit.use(session({ secret: SECRET, store, resave: false, saveUninitialized: false }));
    explicit.get("/start", (req, res) => {
      req.session.views = 1;
      res.send("ok");
    });
    explicit.post("/slow-write", async (req, res) => {
      await promised((done) => store.destroy(req.sessionID, done)); // another request logs out meanwhile
      req.session.views = 2;
      req.session.save((error) => {
        if (error instanceof SessionInterrupted) res.status(409).send("signed out elsewhere");
        else res.status(error ? 500 : 200).send("saved");
      });
    });
    const cookie = cookieHeader(await request(explicit).get("/start"), "connect.sid");
    await request(explicit).post("/slow-write").set("Cookie", cookie).expect(409);
    expect(await db.sql("SELECT id FROM sessions WHERE id = ?", [sha256(sidOf(cookie))])).toEqual([]);
  });

  it("parallel requests changing different keys, across two processes, lose nothing", async () => {
    const [first, second] = twoProcesses();
    const cookie = cookieHeader(await request(app).get("/views"), "connect.sid");
    const names = Array.from({ length: 8 }, (_, i) => `k${i}`);
    const withKey = (target: ExpressSessionStore) => {
      const appWithKeys = express();
      appWithKeys.use(
        session({
          secret: SECRET,
          store: target,
          resave: false,
          saveUninitialized: false,
          cookie: { maxAge: 60 * MINUTE },
        }),
      );
      appWithKeys.post("/set/:name", (req, res) => {
        Reflect.set(req.session, req.params.name, true);
        res.send("ok");
      });
      return appWithKeys;
    };
    const apps = [withKey(first), withKey(second)] as const;
    await Promise.all(
      names.map((name, i) =>
        request(i % 2 === 0 ? apps[0] : apps[1])
          .post(`/set/${name}`)
          .set("Cookie", cookie)
          .expect(200),
      ),
    );
    const [row] = await db.sql("SELECT data FROM sessions WHERE id = ?", [sha256(sidOf(cookie))]);
    const stored = jsonSerializer.parse(String(row?.data));
    for (const name of names) expect(stored[name]).toBe(true);
    expect(stored.views).toBe(1);
  });

  it("per-user destroy logs out the user's other devices only", async () => {
    const laptop = cookieHeader(await request(app).post("/login/ann"), "connect.sid");
    const phone = cookieHeader(await request(app).post("/login/ann"), "connect.sid");
    const bob = cookieHeader(await request(app).post("/login/bob"), "connect.sid");
    expect((await store.listUserSessions("ann")).map((s) => s.id).sort()).toEqual(
      [sha256(sidOf(laptop)), sha256(sidOf(phone))].sort(),
    );
    expect((await request(app).post("/logout-others").set("Cookie", laptop)).body).toEqual({ removed: 1 });
    expect((await request(app).get("/peek").set("Cookie", laptop)).body.user).toBe("ann");
    expect((await request(app).get("/peek").set("Cookie", phone)).body.user).toBeNull();
    expect((await request(app).get("/peek").set("Cookie", bob)).body.user).toBe("bob");
  });

  it("all() is keyed by storage id, length() counts live sessions, clear() removes every one", async () => {
    const cookie = cookieHeader(await request(app).get("/views"), "connect.sid");
    const all = await promised<Record<string, { views?: number }>>((done) => store.all(done));
    expect(all?.[sha256(sidOf(cookie))]?.views).toBe(1);
    expect(await promised((done) => store.length(done))).toBe(Object.keys(all ?? {}).length);
    await promised((done) => store.clear(done));
    expect(await promised((done) => store.length(done))).toBe(0);
  });
});

describe("ExpressSessionStore with the database down", () => {
  it("reports ConnectorError through the callback", async () => {
    const { PrismaPg } = await import("@prisma/adapter-pg");
    const { PrismaClient } = await import("../../prisma/generated/postgresql/client.js");
    const prisma = new PrismaClient({
      adapter: new PrismaPg({ connectionString: "postgresql://postgres@127.0.0.1:1/test" }),
    });
    const store = new ExpressSessionStore({ connector: new PrismaConnector(prisma) });
    await expect(promised((done) => store.get("x".repeat(32), done))).rejects.toBeInstanceOf(ConnectorError);
  });
});
