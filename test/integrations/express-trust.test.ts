// Promises that broke when the middleware was tried from outside: a sign-in racing a parallel
// request that still carries the old key, and a value the database refuses.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import express from "express";
import request from "supertest";
import { PrismaConnector } from "../../src/connectors/prisma.js";
import type { StorageErrorPolicy } from "../../src/http/http-options.js";
import { session } from "../../src/integrations/express.js";
import { openTestDatabase, type Provider, providers, type TestDatabase } from "../support/databases.js";
import { cookieHeader, cookieSet, setCookies } from "./helpers.js";

type Data = { cart: string[]; user: string } & Record<`mark-${string}`, boolean>;

function buildApp(db: TestDatabase, onStorageError: StorageErrorPolicy = "fail-closed") {
  const errors: unknown[] = [];
  const sessions = session<Data>({
    connector: new PrismaConnector(db.prisma),
    cookie: { secure: false },
    onStorageError,
    logger: { error: () => {}, warn: () => {} },
  });
  const app = express();
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
  app.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    errors.push(error);
    res.status(500).send("app error handler");
  });
  return { app, errors };
}

describe.each(providers)("the Express middleware on %s", (provider: Provider) => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await openTestDatabase(provider);
  });
  afterAll(() => db.close());

  describe("a sign-in racing a request that still carries the old key", () => {
    it("the late request reads no session, its write answers 409, and neither touches the new cookie", async () => {
      const { app } = buildApp(db);
      const first = await request(app).post("/cart").send({ item: "apple" }).expect(200);
      const oldCookie = cookieHeader(first, "session_id");
      const login = await request(app).post("/login").set("Cookie", oldCookie).send({ user: "ann" }).expect(200);
      const newCookie = cookieHeader(login, "session_id");
      expect(newCookie).not.toBe(oldCookie);

      // Sent before the browser had the new cookie, arriving after the sign-in was saved.
      const lateRead = await request(app).get("/whoami").set("Cookie", oldCookie).expect(200);
      expect(lateRead.body).toEqual({ user: null, cart: [], all: {} });
      expect(setCookies(lateRead)).toEqual([]);
      const lateWrite = await request(app).post("/cart").set("Cookie", oldCookie).send({ item: "pear" }).expect(409);
      expect(setCookies(lateWrite)).toEqual([]);

      const signedIn = await request(app).get("/whoami").set("Cookie", newCookie).expect(200);
      expect(signedIn.body).toMatchObject({ user: "ann", cart: ["apple"] });
    });

    it("in parallel: 10 of 10 trials keep the user signed in, and no orphan session is written", async () => {
      const { app } = buildApp(db);
      const live = async () => Number((await db.sql("SELECT COUNT(*) AS n FROM sessions WHERE data <> ''"))[0]?.n);
      const before = await live();
      for (let trial = 0; trial < 10; trial++) {
        const first = await request(app).post("/cart").send({ item: "apple" }).expect(200);
        const oldCookie = cookieHeader(first, "session_id");
        const [login, ...others] = await Promise.all([
          request(app)
            .post("/login")
            .set("Cookie", oldCookie)
            .send({ user: `u${trial}` }),
          ...Array.from({ length: 4 }, (_, i) => request(app).post(`/mark/${i}`).set("Cookie", oldCookie)),
        ]);
        expect(login.status).toBe(200);
        const newCookie = cookieHeader(login, "session_id");
        for (const other of others) {
          // Before the rotation: merged into the session (200). After it: refused (409), cookie untouched.
          expect([200, 409]).toContain(other.status);
          const set = cookieSet(other, "session_id");
          if (set !== undefined) expect(`session_id=${set.value}`).toBe(oldCookie);
        }
        const after = await request(app).get("/whoami").set("Cookie", newCookie).expect(200);
        expect(after.body.user).toBe(`u${trial}`);
        expect(after.body.cart).toEqual(["apple"]);
        // Every change answered 200 is in the signed-in session (each request changed its own key).
        const kept = others.flatMap((other, i) => (other.status === 200 ? [`mark-${i}`] : []));
        const marks = Object.keys(after.body.all).filter((key) => key.startsWith("mark-"));
        expect(marks.sort()).toEqual(kept.sort());
      }
      // One live session per trial: the stale requests created none.
      expect(await live()).toBe(before + 10);
    });
  });

  describe("a value the database refuses is not an outage", () => {
    beforeAll(async () => {
      if (provider === "sqlite") {
        await db.exec(
          "CREATE TRIGGER no_mallory BEFORE INSERT ON sessions WHEN NEW.user_id = 'mallory' BEGIN SELECT RAISE(ABORT, 'refused'); END",
        );
        await db.exec(
          "CREATE TRIGGER no_mallory_update BEFORE UPDATE ON sessions WHEN NEW.user_id = 'mallory' BEGIN SELECT RAISE(ABORT, 'refused'); END",
        );
      } else {
        await db.exec("ALTER TABLE sessions ADD CONSTRAINT no_mallory CHECK (user_id IS NULL OR user_id <> 'mallory')");
      }
    });

    it.each(["fail-closed", "fail-open"] as const)(
      "under %s it answers 500, not 503 and not a silent 200",
      async (policy) => {
        const { app } = buildApp(db, policy);
        const res = await request(app).post("/login").send({ user: "mallory" });
        expect(res.status).toBe(500);
        expect(res.text).toMatch(/could not be saved/);
        expect(setCookies(res)).toEqual([]);
      },
    );
  });
});
