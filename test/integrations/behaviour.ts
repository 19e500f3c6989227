// The behaviour every HTTP integration shares with the Express middleware, run against the real
// framework over HTTP (supertest on a loopback port) on SQLite, PostgreSQL and MariaDB. Each
// integration's test builds the same small app with its own API and hands it to this suite:
//
//   GET  /peek       the loaded session as JSON (reads, never writes)
//   POST /set/:key   loads the session and sets `key` to `key`; answers "ok"
//   POST /login      rotates the key, sets the owner and `user` to "ann"
import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { PrismaPg } from "@prisma/adapter-pg";
import request from "supertest";
import { PrismaClient } from "../../prisma/generated/postgresql/client.js";
import { PrismaConnector } from "../../src/connectors/prisma.js";
import type { SessionHttpOptions } from "../../src/http/session-http.js";
import { countCalls } from "../support/backends.js";
import { openTestDatabase, providers, type TestDatabase } from "../support/databases.js";
import { cookieHeader, cookieSet, DAY_MS, manualClock, setCookies } from "./helpers.js";

/** A started test app: a Node server supertest can reach (it listens on a loopback port). */
export interface ServedApp {
  server: Server;
  close(): Promise<void>;
}

/** Starts the integration's app with these options (the suite picks connector, clock, secrets, policy). */
export type StartApp = (options: SessionHttpOptions) => Promise<ServedApp>;

const WRITES = ["createSession", "updateSession", "touchSession", "destroySession"];
const SECRET = "a test secret that signs the cookies";
const quiet = { error: () => {}, warn: () => {} };

/** What an integration's API cannot do: React Router's session API never sees the response (no `Vary`). */
export interface BehaviourLimits {
  vary?: boolean;
}

export function describeHttpBehaviour(framework: string, start: StartApp, limits: BehaviourLimits = {}): void {
  const varies = limits.vary ?? true;
  describe.each(providers)(`${framework} on %s`, (provider) => {
    let db: TestDatabase;
    let app: ServedApp;
    let calls: string[];
    const time = manualClock();

    beforeAll(async () => {
      db = await openTestDatabase(provider);
      const counted = countCalls(new PrismaConnector(db.prisma));
      calls = counted.calls;
      app = await start({
        connector: counted.connector,
        clock: time.clock,
        secrets: [SECRET],
        cookie: { secure: false },
        logger: quiet,
      });
    });
    afterAll(async () => {
      await app?.close();
      await db?.close();
    });

    const http = () => request(app.server);
    const newSession = async (key = "first"): Promise<string> =>
      cookieHeader(await http().post(`/set/${key}`).expect(200), "session_id");
    async function storageCalls(send: () => Promise<request.Response>): Promise<[request.Response, string[]]> {
      calls.length = 0;
      const res = await send();
      return [res, [...calls]];
    }

    it("a write sets a signed, HttpOnly, SameSite=Lax cookie that brings the session back", async () => {
      const res = await http().post("/set/apple").expect(200);
      expect(cookieSet(res, "session_id")).toMatchObject({ path: "/", httpOnly: true, sameSite: "lax" });
      expect(cookieSet(res, "session_id")?.value).toMatch(/^[A-Za-z0-9_-]{32}\.[A-Za-z0-9_-]{43}$/);
      if (varies) expect(res.headers.vary).toMatch(/Cookie/);
      const peek = await http().get("/peek").set("Cookie", cookieHeader(res, "session_id")).expect(200);
      expect(peek.body).toEqual({ apple: "apple" });
    });

    it("login rotates the key and keeps the data; the old key reads nothing", async () => {
      const before = await newSession("cart");
      const after = cookieHeader(await http().post("/login").set("Cookie", before).expect(200), "session_id");
      expect(after).not.toBe(before);
      expect((await http().get("/peek").set("Cookie", after)).body).toEqual({ cart: "cart", user: "ann" });
      expect((await http().get("/peek").set("Cookie", before)).body).toEqual({});
    });

    it("parallel requests that change different keys of one session lose nothing", async () => {
      const cookie = await newSession();
      const keys = Array.from({ length: 8 }, (_, i) => `k${i}`);
      const responses = await Promise.all(keys.map((key) => http().post(`/set/${key}`).set("Cookie", cookie)));
      expect(responses.map((res) => res.status)).toEqual(keys.map(() => 200));
      const data = (await http().get("/peek").set("Cookie", cookie)).body;
      expect(Object.keys(data).sort()).toEqual(["first", ...keys].sort());
    });

    it("a read-only request reads once, writes nothing and sends no Set-Cookie", async () => {
      const cookie = await newSession();
      const [res, used] = await storageCalls(() => http().get("/peek").set("Cookie", cookie));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ first: "first" });
      expect(used).toEqual(["getSession"]);
      expect(setCookies(res)).toEqual([]);
      if (varies) expect(res.headers.vary).toMatch(/Cookie/);
    });

    it("an expired session is not served, and its cookie is cleared", async () => {
      const cookie = await newSession("old");
      time.advance(7 * DAY_MS + 1000);
      const res = await http().get("/peek").set("Cookie", cookie).expect(200);
      expect(res.body).toEqual({});
      expect(cookieSet(res, "session_id")?.maxAge).toBe(0);
    });

    it.each([
      ["a tampered signature", (cookie: string) => `${cookie.slice(0, -1)}${cookie.endsWith("A") ? "B" : "A"}`],
      ["a tampered key", (cookie: string) => cookie.replace(/=(.)/, (_, first) => (first === "A" ? "=B" : "=A"))],
      ["an unsigned key", (cookie: string) => cookie.replace(/\..*$/, "")],
      ["garbage", () => "session_id=%%%not a key%%%"],
      ["a duplicated cookie", (cookie: string) => `${cookie}; ${cookie}`],
    ])("%s is no session, no error and no query", async (_label, tamper) => {
      const cookie = await newSession();
      const [res, used] = await storageCalls(() => http().get("/peek").set("Cookie", tamper(cookie)));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({});
      expect(used).toEqual([]);
    });

    it("a request carrying a key rotated moments ago reads nothing, and its write answers 409 without Set-Cookie", async () => {
      const old = await newSession("cart");
      const login = await http().post("/login").set("Cookie", old).expect(200);
      const fresh = cookieHeader(login, "session_id");
      const lateRead = await http().get("/peek").set("Cookie", old).expect(200);
      expect(lateRead.body).toEqual({});
      expect(setCookies(lateRead)).toEqual([]);
      const [lateWrite, used] = await storageCalls(() => http().post("/set/late").set("Cookie", old));
      expect(lateWrite.status).toBe(409);
      expect(setCookies(lateWrite)).toEqual([]);
      expect(used.filter((call) => WRITES.includes(call))).toEqual([]);
      expect((await http().get("/peek").set("Cookie", fresh)).body).toEqual({ cart: "cart", user: "ann" });
    });
  });

  describe(`${framework} with the database stopped`, () => {
    // Port 1 on loopback: nothing listens, so every query fails to connect.
    const prisma = new PrismaClient({
      adapter: new PrismaPg({ connectionString: "postgresql://postgres@127.0.0.1:1/test" }),
    });
    const cookie = `session_id=${"k".repeat(32)}`;
    let closed: ServedApp;
    let open: ServedApp;
    const logged: string[] = [];
    const logger = { error: (message: string) => logged.push(message), warn: () => {} };

    beforeAll(async () => {
      const connector = new PrismaConnector(prisma);
      closed = await start({ connector, logger, cookie: { secure: false } });
      open = await start({ connector, logger, cookie: { secure: false }, onStorageError: "fail-open" });
    });
    afterAll(async () => {
      await closed?.close();
      await open?.close();
      await prisma.$disconnect();
    });

    it("a load answers 503, not cached, without Set-Cookie, and the cause is logged once", async () => {
      logged.length = 0;
      const res = await request(closed.server).get("/peek").set("Cookie", cookie);
      expect(res.status).toBe(503);
      expect(res.headers["cache-control"]).toBe("no-store");
      expect(res.headers["content-type"]).toMatch(/^text\/plain/);
      expect(setCookies(res)).toEqual([]);
      expect(logged).toHaveLength(1);
    });

    it("a save answers 503 too", async () => {
      const res = await request(closed.server).post("/set/x");
      expect(res.status).toBe(503);
      expect(setCookies(res)).toEqual([]);
    });

    it("under fail-open the request is served without a session, and the cookie is left alone", async () => {
      const read = await request(open.server).get("/peek").set("Cookie", cookie);
      expect([read.status, read.body]).toEqual([200, {}]);
      expect(setCookies(read)).toEqual([]);
      const write = await request(open.server).post("/set/x").set("Cookie", cookie);
      expect(write.status).toBe(200);
      expect(setCookies(write)).toEqual([]);
    });
  });
}
