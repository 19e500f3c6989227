import { IncomingMessage } from "node:http";
import { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import express from "express";
import express4 from "express4";
import request from "supertest";
import { ConfigError, MemoryConnector, type SessionData, SessionManager } from "../../src/index.js";
import { requestSession, type SessionMiddleware, session } from "../../src/integrations/express.js";
import { type Backend, countCalls, openBackend } from "../support/backends.js";
import { cookieHeader, cookieSet, DAY_MS, manualClock, setCookies } from "./helpers.js";

type Framework = typeof express;
type Handler = (req: express.Request, res: express.Response) => Promise<unknown>;

const WRITES = ["createSession", "updateSession", "touchSession", "destroySession"];

/** The test app: every route says what it does with the session. */
function buildApp(framework: Framework, sessions: SessionMiddleware<SessionData>): express.Express {
  const app = framework();
  app.use(sessions);
  // Express 4 does not pass rejected promises to `next`; this works on both.
  const route = (handler: Handler) => (req: express.Request, res: express.Response, next: express.NextFunction) => {
    handler(req, res).catch(next);
  };
  app.get("/static", (_req, res) => {
    res.send("no session here");
  });
  app.get(
    "/peek",
    route(async (req, res) => {
      const s = sessions.from(req);
      res.json(await s.load());
    }),
  );
  app.get("/anonymous", (req, res) => {
    // A new visitor's session is usable without load(): nothing is stored yet.
    res.send(sessions.from(req).has("user") ? "known" : "anonymous");
  });
  app.post(
    "/count",
    route(async (req, res) => {
      const s = sessions.from(req);
      await s.load();
      const count = Number(s.get("count") ?? 0) + 1;
      s.set("count", count);
      res.json({ count });
    }),
  );
  app.post(
    "/login",
    route(async (req, res) => {
      const s = sessions.from(req);
      await s.assignNewSessionKey();
      s.userId = "ann";
      s.set("user", "ann");
      res.json(s.toJSON());
    }),
  );
  app.post(
    "/logout",
    route(async (req, res) => {
      await sessions.from(req).destroy();
      res.send("bye");
    }),
  );
  app.post(
    "/empty",
    route(async (req, res) => {
      const s = sessions.from(req);
      await s.load();
      s.clear();
      res.send("emptied");
    }),
  );
  app.post(
    "/browser-session",
    route(async (req, res) => {
      const s = sessions.from(req);
      await s.load();
      s.setExpiry(0);
      s.set("short", true);
      res.send("until the browser closes");
    }),
  );
  app.post(
    "/fail",
    route(async (req, res) => {
      const s = sessions.from(req);
      await s.load();
      s.set("lost", true);
      res.status(500).send("boom");
    }),
  );
  app.post(
    "/stream",
    route(async (req, res) => {
      const s = sessions.from(req);
      s.set("streamed", true);
      res.setHeader("Vary", "Accept-Encoding");
      res.write("one,");
      res.write("two,");
      res.end("three");
    }),
  );
  return app;
}

describe.each([
  ["Express 5", express],
  ["Express 4", express4],
])("session middleware on %s", (_label, framework) => {
  let backend: Backend;
  let calls: string[];
  let time: ReturnType<typeof manualClock>;
  let sessions: SessionMiddleware<SessionData>;
  let app: express.Express;

  beforeAll(async () => {
    backend = await openBackend("sqlite");
    const counted = countCalls(backend.connector);
    calls = counted.calls;
    time = manualClock();
    sessions = session({ connector: counted.connector, clock: time.clock, cookie: { secure: false } });
    app = buildApp(framework, sessions);
  });
  afterAll(() => backend.close());

  /** Runs `send` and returns what it did to storage. */
  async function storageCalls(send: () => Promise<request.Response>): Promise<[request.Response, string[]]> {
    calls.length = 0;
    const res = await send();
    return [res, [...calls]];
  }

  async function newSession(): Promise<string> {
    return cookieHeader(await request(app).post("/count"), "session_id");
  }

  describe("cookie", () => {
    it("a new visitor who writes gets a host-only, HttpOnly, SameSite=Lax cookie with Max-Age and Expires", async () => {
      const res = await request(app).post("/count");
      expect(res.body).toEqual({ count: 1 });
      const cookie = cookieSet(res, "session_id");
      expect(cookie).toMatchObject({ path: "/", httpOnly: true, sameSite: "lax", maxAge: 7 * 24 * 3600 });
      expect(cookie?.domain).toBeUndefined();
      expect(cookie?.secure).toBeUndefined();
      expect(cookie?.expires?.getTime()).toBe(time.clock().getTime() + 7 * DAY_MS);
      expect(cookie?.value).toMatch(/^[A-Za-z0-9_-]{32}$/);
    });

    it("a returning visitor whose key and deadline did not change gets no Set-Cookie", async () => {
      const cookie = await newSession();
      const res = await request(app).post("/count").set("Cookie", cookie);
      expect(res.body).toEqual({ count: 2 });
      expect(setCookies(res)).toEqual([]);
    });

    it("the cookie is sent again when the deadline moved", async () => {
      const cookie = await newSession();
      time.advance(60_000);
      const res = await request(app).post("/count").set("Cookie", cookie);
      expect(cookieHeader(res, "session_id")).toBe(cookie);
      expect(cookieSet(res, "session_id")?.expires?.getTime()).toBe(time.clock().getTime() + 7 * DAY_MS);
    });

    it("a browser-session expiry sends neither Max-Age nor Expires", async () => {
      const cookie = await newSession();
      const res = await request(app).post("/browser-session").set("Cookie", cookie);
      const sent = cookieSet(res, "session_id");
      expect(sent?.value).toBe(cookie.split("=")[1]);
      expect(sent?.maxAge).toBeUndefined();
      expect(sent?.expires).toBeUndefined();
    });
  });

  describe("laziness", () => {
    it("a request that does not touch the session reads and writes nothing and sends no cookie or Vary", async () => {
      const cookie = await newSession();
      const [res, used] = await storageCalls(() => request(app).get("/static").set("Cookie", cookie));
      expect(used).toEqual([]);
      expect(setCookies(res)).toEqual([]);
      expect(res.headers.vary).toBeUndefined();
    });

    it("a read-only request reads once, writes nothing, and varies on the cookie", async () => {
      const cookie = await newSession();
      const [res, used] = await storageCalls(() => request(app).get("/peek").set("Cookie", cookie));
      expect(res.body).toEqual({ count: 1 });
      expect(used).toEqual(["getSession"]);
      expect(setCookies(res)).toEqual([]);
      expect(res.headers.vary).toBe("Cookie");
    });

    it("a new visitor's session is readable without load(), costs nothing, and still varies on the cookie", async () => {
      const [res, used] = await storageCalls(() => request(app).get("/anonymous"));
      expect(res.text).toBe("anonymous");
      expect(used).toEqual([]);
      expect(setCookies(res)).toEqual([]);
      expect(res.headers.vary).toBe("Cookie");
    });

    it("a 5xx response saves nothing and sends no cookie", async () => {
      const [res, used] = await storageCalls(() => request(app).post("/fail"));
      expect(res.status).toBe(500);
      expect(used.filter((call) => WRITES.includes(call))).toEqual([]);
      expect(setCookies(res)).toEqual([]);
    });

    it("a streamed response is held until the session is saved, then sent whole", async () => {
      const res = await request(app).post("/stream");
      expect(res.text).toBe("one,two,three");
      expect(cookieSet(res, "session_id")?.value).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(res.headers.vary).toBe("Accept-Encoding, Cookie");
    });
  });

  describe("log-in and log-out", () => {
    it("login rotates the key and keeps the data", async () => {
      const before = await newSession();
      const res = await request(app).post("/login").set("Cookie", before);
      const after = cookieHeader(res, "session_id");
      expect(after).not.toBe(before);
      expect(res.body).toEqual({ count: 1, user: "ann" });
      expect((await request(app).get("/peek").set("Cookie", after)).body).toEqual({ count: 1, user: "ann" });
      expect((await request(app).get("/peek").set("Cookie", before)).body).toEqual({});
    });

    it("logout ends the session and clears the cookie", async () => {
      const cookie = await newSession();
      const res = await request(app).post("/logout").set("Cookie", cookie);
      const cleared = cookieSet(res, "session_id");
      expect(cleared).toMatchObject({ value: "", maxAge: 0, path: "/", httpOnly: true });
      expect(cleared?.expires?.getTime()).toBe(0);
      expect((await request(app).get("/peek").set("Cookie", cookie)).body).toEqual({});
    });

    it("an emptied session is destroyed and its cookie cleared", async () => {
      const cookie = await newSession();
      const [res, used] = await storageCalls(() => request(app).post("/empty").set("Cookie", cookie));
      expect(cookieSet(res, "session_id")?.maxAge).toBe(0);
      expect(used).toContain("destroySession");
      expect(used).not.toContain("updateSession");
    });
  });

  describe("expiry", () => {
    it("an expired session is not served, and its cookie is cleared", async () => {
      const cookie = await newSession();
      time.advance(7 * DAY_MS + 1000);
      const res = await request(app).get("/peek").set("Cookie", cookie);
      expect(res.body).toEqual({});
      expect(cookieSet(res, "session_id")?.maxAge).toBe(0);
    });
  });

  describe("tampered and malformed cookies", () => {
    const garbage = [
      ["garbage", "session_id=%%%not a key%%%"],
      ["too short", "session_id=abc"],
      ["oversized", `session_id=${"A".repeat(5000)}`],
      ["wrongly encoded", `session_id=%E0%A4%A${"A".repeat(29)}`],
      ["duplicated", "session_id=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA; session_id=BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"],
    ];

    it.each(garbage)("a %s cookie means no session, no error and no query", async (_label, cookie) => {
      const [res, used] = await storageCalls(() => request(app).get("/peek").set("Cookie", cookie));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({});
      expect(used).toEqual([]);
    });

    it("a duplicated cookie is ambiguous even when one copy is a live session", async () => {
      const cookie = await newSession();
      const res = await request(app)
        .get("/peek")
        .set("Cookie", `${cookie}; ${cookie.replace(/=./, "=Z")}`);
      expect(res.body).toEqual({});
    });
  });
});

describe("session middleware wiring", () => {
  it("uses a SessionManager passed as `manager`, and exposes it", async () => {
    const manager = new SessionManager({ connector: new MemoryConnector() });
    const sessions = session({ manager, cookie: { secure: false } });
    expect(sessions.manager).toBe(manager);
    const app = buildApp(express, sessions);
    const cookie = cookieHeader(await request(app).post("/count"), "session_id");
    const again = manager.open(cookie.split("=")[1]);
    expect(await again.load()).toEqual({ count: 1 });
  });

  it("mounted twice, the first middleware owns the request", async () => {
    const first = session({ connector: new MemoryConnector(), cookie: { secure: false } });
    const second = session({ connector: new MemoryConnector(), cookie: { secure: false } });
    const app = express();
    app.use(first, second);
    app.get("/", (req, res) => {
      const secondOwns = (() => {
        try {
          return second.from(req) !== undefined;
        } catch {
          return false;
        }
      })();
      res.json({ firstOwns: requestSession(req) === first.from(req), secondOwns });
    });
    expect((await request(app).get("/")).body).toEqual({ firstOwns: true, secondOwns: false });
  });

  it("from(req) on a request the middleware did not see is a ConfigError", () => {
    const sessions = session({ connector: new MemoryConnector() });
    expect(() => sessions.from(new IncomingMessage(new Socket()))).toThrow(ConfigError);
  });
});
