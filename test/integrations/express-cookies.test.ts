import { afterEach, describe, expect, it } from "@jest/globals";
import express from "express";
import request from "supertest";
import type { HttpSessionOptions } from "../../src/http/http-options.js";
import { signValue } from "../../src/http/signing.js";
import { MemoryConnector, type SessionConnector, type SessionData } from "../../src/index.js";
import { session } from "../../src/integrations/express.js";
import { countCalls } from "../support/backends.js";
import { cookieHeader, cookieSet } from "./helpers.js";

function buildApp(connector: SessionConnector, options: HttpSessionOptions, trustProxy = false): express.Express {
  const sessions = session<SessionData>({ connector, ...options });
  const app = express();
  app.set("trust proxy", trustProxy);
  app.use(sessions);
  app.get("/peek", async (req, res) => {
    res.json(await sessions.from(req).load());
  });
  app.post("/write", async (req, res) => {
    const s = sessions.from(req);
    await s.load();
    s.set("n", Number(s.get("n") ?? 0) + 1);
    res.json(s.toJSON());
  });
  return app;
}

/** The value of a signed cookie header, split at the signature. */
function signedParts(cookie: string): { value: string; key: string } {
  const value = cookie.split("=")[1] ?? "";
  return { value, key: value.slice(0, value.lastIndexOf(".")) };
}

describe("signed session cookies", () => {
  it("a signed cookie round-trips; a forged or unsigned one is no session and costs no query", async () => {
    const { connector, calls } = countCalls(new MemoryConnector());
    const app = buildApp(connector, { secrets: ["current"], cookie: { secure: false } });
    const cookie = cookieHeader(await request(app).post("/write"), "session_id");
    const { value, key } = signedParts(cookie);
    expect(value).toBe(signValue(key, "current"));
    expect((await request(app).get("/peek").set("Cookie", cookie)).body).toEqual({ n: 1 });

    calls.length = 0;
    const last = cookie.at(-1) === "A" ? "B" : "A";
    const forged = [`session_id=${key}`, `session_id=${signValue(key, "a guess")}`, `${cookie.slice(0, -1)}${last}`];
    for (const attempt of forged) {
      const res = await request(app).get("/peek").set("Cookie", attempt);
      expect([res.status, res.body]).toEqual([200, {}]);
    }
    expect(calls).toEqual([]);
  });

  it("after a secret rotation, cookies signed with the old secret still work and new ones use the new secret", async () => {
    const connector = new MemoryConnector();
    const before = buildApp(connector, { secrets: ["old"], cookie: { secure: false } });
    const after = buildApp(connector, { secrets: ["new", "old"], cookie: { secure: false } });
    const cookie = cookieHeader(await request(before).post("/write"), "session_id");
    expect((await request(after).post("/write").set("Cookie", cookie)).body).toEqual({ n: 2 });
    const fresh = cookieHeader(await request(after).post("/write"), "session_id");
    const { value, key } = signedParts(fresh);
    expect(value).toBe(signValue(key, "new"));
  });
});

describe("Secure and the request's protocol", () => {
  const environment = process.env.NODE_ENV;
  afterEach(() => {
    process.env.NODE_ENV = environment;
  });

  async function secureFlag(trustProxy: boolean, headers: Record<string, string> = {}): Promise<boolean | undefined> {
    const app = buildApp(new MemoryConnector(), {}, trustProxy);
    return cookieSet(await request(app).post("/write").set(headers), "session_id")?.secure;
  }

  it("outside development the cookie is Secure", async () => {
    process.env.NODE_ENV = "production";
    expect(await secureFlag(false)).toBe(true);
  });

  it("in development it is Secure only when a trusted proxy says the request was HTTPS", async () => {
    process.env.NODE_ENV = "development";
    expect(await secureFlag(false)).toBeUndefined();
    expect(await secureFlag(false, { "X-Forwarded-Proto": "https" })).toBeUndefined();
    expect(await secureFlag(true, { "X-Forwarded-Proto": "https" })).toBe(true);
  });
});

describe("Vary", () => {
  it("is added once to what the application already varies on", async () => {
    const sessions = session({ connector: new MemoryConnector(), cookie: { secure: false } });
    const app = express();
    app.use(sessions);
    app.get("/", async (req, res) => {
      await sessions.from(req).load();
      res.vary("Accept-Encoding").vary("cookie").send("ok");
    });
    expect((await request(app).get("/")).headers.vary).toBe("Accept-Encoding, cookie");
  });
});

describe("a Secure cookie set over plain HTTP", () => {
  function appWith(warnings: string[]) {
    const sessions = session({
      connector: new MemoryConnector(),
      cookie: { secure: true },
      logger: { warn: (m) => warnings.push(m) },
    });
    const app = express();
    app.use(sessions);
    app.post("/", (req, res) => {
      sessions.from(req).set("a", 1);
      res.send("ok");
    });
    return app;
  }

  it("warns once, naming the host, where browsers would drop it (not on localhost)", async () => {
    const warnings: string[] = [];
    const app = appWith(warnings);
    await request(app).post("/").set("Host", "localhost:3000").expect(200);
    expect(warnings).toEqual([]);
    await request(app).post("/").set("Host", "shop.example:8080").expect(200);
    await request(app).post("/").set("Host", "shop.example:8080").expect(200);
    expect(warnings).toEqual([expect.stringContaining("plain HTTP to shop.example:8080")]);
  });

  it("says nothing when the request came over HTTPS through a trusted proxy", async () => {
    const warnings: string[] = [];
    const app = appWith(warnings);
    app.set("trust proxy", 1);
    await request(app).post("/").set("Host", "shop.example").set("X-Forwarded-Proto", "https").expect(200);
    expect(warnings).toEqual([]);
  });
});
