import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { PrismaPg } from "@prisma/adapter-pg";
import express from "express";
import request from "supertest";
import { PrismaClient } from "../../prisma/generated/postgresql/client.js";
import { PrismaConnector } from "../../src/connectors/prisma.js";
import { MemoryConnector, type SessionConnector, type SessionData } from "../../src/index.js";
import { type ExpressSessionOptions, type SessionMiddleware, session } from "../../src/integrations/express.js";
import { openTestDatabase, providers, type TestDatabase } from "../support/databases.js";
import { cookieHeader, cookieSet, setCookies } from "./helpers.js";

interface LogEntry {
  message: string;
  meta: Record<string, unknown> | undefined;
}

function recordingLogger(): {
  logger: { error(m: string, meta?: Record<string, unknown>): void };
  entries: LogEntry[];
} {
  const entries: LogEntry[] = [];
  return { entries, logger: { error: (message, meta) => entries.push({ message, meta }) } };
}

function buildApp(options: ExpressSessionOptions): { app: express.Express; sessions: SessionMiddleware<SessionData> } {
  const sessions = session({ cookie: { secure: false }, ...options });
  const app = express();
  app.use(sessions);
  app.get("/peek", async (req, res) => {
    res.json(await sessions.from(req).load());
  });
  app.post("/write", async (req, res) => {
    const s = sessions.from(req);
    await s.load();
    s.set("written", true);
    res.json({ written: true });
  });
  app.post("/big", async (req, res) => {
    const s = sessions.from(req);
    s.set("big", "x".repeat(2000));
    res.send("sent");
  });
  app.post("/logged-out-elsewhere", async (req, res) => {
    const s = sessions.from(req);
    await s.load();
    await sessions.manager.destroySessionById(s.id ?? "");
    s.set("late", true);
    res.send("changed");
  });
  return { app, sessions };
}

const LIVE_LOOKING_COOKIE = `session_id=${"k".repeat(32)}`;

describe("session middleware with the database stopped", () => {
  // Port 1 on loopback: nothing listens, so every query fails to connect.
  const prisma = new PrismaClient({
    adapter: new PrismaPg({ connectionString: "postgresql://postgres@127.0.0.1:1/test" }),
  });
  const connector = new PrismaConnector(prisma);

  it("a load answers 503 with a clear message and logs the cause", async () => {
    const { logger, entries } = recordingLogger();
    const { app } = buildApp({ connector, logger });
    const res = await request(app).get("/peek").set("Cookie", LIVE_LOOKING_COOKIE);
    expect(res.status).toBe(503);
    expect(res.text).toBe("Service Unavailable: session storage cannot be reached. Please retry shortly.");
    expect(res.headers["cache-control"]).toBe("no-store");
    expect(setCookies(res)).toEqual([]);
    const outage = entries.find((entry) => entry.message.includes("503"));
    // The cause in one line (name and message), not an object whose stack a console logger prints.
    expect(outage?.meta?.cause).toEqual(expect.stringMatching(/^\w+: /));
  });

  it("a save answers 503 too", async () => {
    const { app } = buildApp({ connector, logger: recordingLogger().logger });
    const res = await request(app).post("/write");
    expect(res.status).toBe(503);
    expect(setCookies(res)).toEqual([]);
  });

  it("under fail-open the request is served without a session, the cookie is left alone, and the cause logged", async () => {
    const { logger, entries } = recordingLogger();
    const { app } = buildApp({ connector, logger, onStorageError: "fail-open" });
    const read = await request(app).get("/peek").set("Cookie", LIVE_LOOKING_COOKIE);
    expect(read.status).toBe(200);
    expect(read.body).toEqual({});
    expect(setCookies(read)).toEqual([]);
    const write = await request(app).post("/write").set("Cookie", LIVE_LOOKING_COOKIE);
    expect(write.status).toBe(200);
    expect(setCookies(write)).toEqual([]);
    expect(entries.filter((entry) => entry.message.includes("without a session"))).toHaveLength(2);
  });

  describe("one log event per failed request", () => {
    afterEach(() => {
      jest.restoreAllMocks();
    });

    it.each(["fail-closed", "fail-open"] as const)(
      "under %s: one line from the library, nothing through next(err), nothing from Express's own handler",
      async (policy) => {
        const consoleError = jest.spyOn(globalThis.console, "error").mockImplementation(() => {});
        const everything: string[] = [];
        const logger = {
          debug: (m: string) => everything.push(`debug ${m}`),
          warn: (m: string) => everything.push(`warn ${m}`),
          error: (m: string) => everything.push(`error ${m}`),
        };
        const { app } = buildApp({ connector, logger, onStorageError: policy });
        let handled = 0;
        app.use((_error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
          handled++;
          res.status(500).send("app error handler");
        });
        const requests = 5;
        for (let i = 0; i < requests; i++) {
          const res = await request(app).post("/write").set("Cookie", LIVE_LOOKING_COOKIE);
          expect(res.status).toBe(policy === "fail-closed" ? 503 : 200);
        }
        expect(everything.filter((line) => !line.startsWith("debug"))).toHaveLength(requests);
        expect(handled).toBe(0);
        expect(consoleError).not.toHaveBeenCalled();
      },
    );

    it("with Express's default error handler (no handler of the app's): still only the library's line", async () => {
      const consoleError = jest.spyOn(globalThis.console, "error").mockImplementation(() => {});
      const { logger, entries } = recordingLogger();
      const { app } = buildApp({ connector, logger });
      app.set("env", "production"); // Express logs errors with their stack outside "test"
      for (let i = 0; i < 3; i++)
        expect((await request(app).get("/peek").set("Cookie", LIVE_LOOKING_COOKIE)).status).toBe(503);
      expect(entries).toHaveLength(3);
      expect(consoleError).not.toHaveBeenCalled();
    });
  });

  describe("without a logger", () => {
    afterEach(() => {
      jest.restoreAllMocks();
    });

    it("the outage goes to console.error: never silent", async () => {
      const console = jest.spyOn(globalThis.console, "error").mockImplementation(() => {});
      const { app } = buildApp({ connector });
      expect((await request(app).get("/peek").set("Cookie", LIVE_LOOKING_COOKIE)).status).toBe(503);
      expect(console).toHaveBeenCalledWith(expect.stringMatching(/answering 503/), expect.anything());
    });
  });
});

describe.each(providers)("session middleware when the table disappears on %s", (provider) => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await openTestDatabase(provider);
  });
  afterAll(() => db.close());

  it("answers 503 (or serves without a session under fail-open) once storage fails mid-run", async () => {
    const closed = buildApp({ connector: new PrismaConnector(db.prisma), logger: recordingLogger().logger });
    const open = buildApp({
      connector: new PrismaConnector(db.prisma),
      logger: recordingLogger().logger,
      onStorageError: "fail-open",
    });
    const cookie = cookieHeader(await request(closed.app).post("/write"), "session_id");
    expect((await request(closed.app).get("/peek").set("Cookie", cookie)).body).toEqual({ written: true });

    await db.exec("DROP TABLE sessions");

    expect((await request(closed.app).get("/peek").set("Cookie", cookie)).status).toBe(503);
    expect((await request(closed.app).post("/write")).status).toBe(503);
    const served = await request(open.app).get("/peek").set("Cookie", cookie);
    expect([served.status, served.body]).toEqual([200, {}]);
  });
});

describe("session middleware when a save fails for another reason", () => {
  let connector: SessionConnector;

  beforeAll(() => {
    connector = new MemoryConnector();
  });

  it("a session destroyed during the request answers 409 and clears the cookie; nothing is resurrected", async () => {
    const { logger } = recordingLogger();
    const { app } = buildApp({ connector, logger });
    const cookie = cookieHeader(await request(app).post("/write"), "session_id");
    const res = await request(app).post("/logged-out-elsewhere").set("Cookie", cookie);
    expect(res.status).toBe(409);
    expect(cookieSet(res, "session_id")?.maxAge).toBe(0);
    expect((await request(app).get("/peek").set("Cookie", cookie)).body).toEqual({});
  });

  it("a payload over the limit answers 500 and logs why, instead of pretending it was saved", async () => {
    const { logger, entries } = recordingLogger();
    const { app } = buildApp({ connector, logger, maxPayloadBytes: 1000 });
    const res = await request(app).post("/big");
    expect(res.status).toBe(500);
    expect(res.text).toMatch(/could not be saved/);
    expect(setCookies(res)).toEqual([]);
    expect(entries).toContainEqual({
      message: "the session could not be saved",
      meta: { error: expect.stringMatching(/over the limit/), code: "PAYLOAD_TOO_LARGE" },
    });
  });
});
