// The Fastify plugin over HTTP (supertest against the app's own server on a loopback port), on
// every database, with the data typed by declaration merging.

import fastifyCookie from "@fastify/cookie";
import { describe, expect, it } from "@jest/globals";
import Fastify, { type FastifyInstance } from "fastify";
import request from "supertest";
import type { SessionHttpOptions } from "../../src/http/session-http.js";
import { MemoryConnector } from "../../src/index.js";
import { type FastifySessionOptions, sessionPlugin } from "../../src/integrations/fastify.js";
import { describeHttpBehaviour, type ServedApp } from "./behaviour.js";
import { cookieHeader, cookieSet, setCookies } from "./helpers.js";

type Data = { user: string; cart: string[] } & Record<string, unknown>;

declare module "../../src/integrations/fastify.js" {
  interface FastifySessionTypes {
    data: Data;
  }
}

function routes(app: FastifyInstance): void {
  app.get("/peek", async (req) => req.session.load());
  app.post<{ Params: { key: string } }>("/set/:key", async (req) => {
    await req.session.load();
    req.session.set(req.params.key, req.params.key);
    return "ok";
  });
  app.post("/login", async (req) => {
    await req.session.assignNewSessionKey();
    req.session.userId = "ann";
    req.session.set("user", "ann");
    return req.session.toJSON();
  });
}

async function build(options: FastifySessionOptions, extra?: (app: FastifyInstance) => void): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(sessionPlugin, options);
  routes(app);
  extra?.(app);
  await app.ready();
  return app;
}

async function start(options: SessionHttpOptions): Promise<ServedApp> {
  const app = await build(options);
  return { server: app.server, close: () => app.close() };
}

describeHttpBehaviour("the Fastify plugin", start);

describe("the Fastify plugin's own cases", () => {
  const options = { connector: new MemoryConnector(), cookie: { secure: false }, logger: { error: () => {} } };

  it("is visible app-wide from a root registration (fastify-plugin), and the manager is decorated", async () => {
    const app = await build(options, (root) => {
      root.register(async (child) => {
        child.post("/child", async (req) => {
          req.session.set("cart", ["child"]);
          return { same: child.sessionManager === root.sessionManager };
        });
      });
    });
    const res = await request(app.server).post("/child").expect(200);
    expect(res.body).toEqual({ same: true });
    const key = cookieHeader(res, "session_id").split("=")[1] ?? "";
    expect(await app.sessionManager.open(key).load()).toEqual({ cart: ["child"] });
    await app.close();
  });

  it("registered inside an encapsulated plugin, only that plugin's routes get sessions", async () => {
    const app = Fastify();
    await app.register(async (scope) => {
      await scope.register(sessionPlugin, options);
      scope.get("/inside", async (req) => ({ has: req.session !== null && req.session !== undefined }));
    });
    app.get("/outside", async (req) => ({ has: req.session !== null && req.session !== undefined }));
    await app.ready();
    expect((await request(app.server).get("/inside")).body).toEqual({ has: true });
    expect((await request(app.server).get("/outside")).body).toEqual({ has: false });
    await app.close();
  });

  it("with @fastify/cookie, the app's cookies and the session cookie both go out", async () => {
    const app = Fastify();
    await app.register(fastifyCookie);
    await app.register(sessionPlugin, options);
    app.post("/both", async (req, reply) => {
      req.session.set("user", "ann");
      reply.setCookie("theme", "dark", { path: "/" });
      return "ok";
    });
    await app.ready();
    const res = await request(app.server).post("/both").expect(200);
    expect(
      setCookies(res)
        .map((cookie) => cookie.split("=")[0])
        .sort(),
    ).toEqual(["session_id", "theme"]);
    await app.close();
  });

  it("a replacement answer (payload over the limit: 500) drops the app's headers, status and payload", async () => {
    const app = await build({ ...options, maxPayloadBytes: 10 }, (root) => {
      root.post("/big", async (req, reply) => {
        req.session.set("cart", ["x".repeat(100)]);
        reply.header("x-app", "yes").code(201);
        return { big: true };
      });
    });
    const res = await request(app.server).post("/big");
    expect(res.status).toBe(500);
    expect(res.headers["x-app"]).toBeUndefined();
    expect(res.headers["cache-control"]).toBe("no-store");
    expect(res.text).toMatch(/could not be saved/);
    expect(setCookies(res)).toEqual([]);
    await app.close();
  });

  it("a route that throws answers through Fastify's error handler, and nothing is saved", async () => {
    const connector = new MemoryConnector();
    const app = await build({ ...options, connector }, (root) => {
      root.post("/throws", async (req) => {
        req.session.set("user", "lost");
        throw new Error("boom");
      });
    });
    const res = await request(app.server).post("/throws");
    expect(res.status).toBe(500);
    expect(cookieSet(res, "session_id")).toBeUndefined();
    await app.close();
  });

  it("adds Cookie once to the Vary the route set", async () => {
    const app = await build(options, (root) => {
      root.get("/vary", async (req, reply) => {
        await req.session.load();
        reply.header("vary", "Accept-Encoding");
        return "ok";
      });
    });
    expect((await request(app.server).get("/vary")).headers.vary).toBe("Accept-Encoding, Cookie");
    await app.close();
  });
});
