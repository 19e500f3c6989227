// The Hono middleware on a real port through @hono/node-server (with its own lighter Request and
// Response, as apps get by default), on every database.
import { createAdaptorServer } from "@hono/node-server";
import { describe, expect, it } from "@jest/globals";
import { Hono } from "hono";
import request from "supertest";
import type { SessionHttpOptions } from "../../src/http/session-http.js";
import { MemoryConnector, type SessionStore } from "../../src/index.js";
import { type HonoSessionOptions, honoSession, type SessionVariables } from "../../src/integrations/hono.js";
import { describeHttpBehaviour, type ServedApp } from "./behaviour.js";
import { cookieHeader, setCookies } from "./helpers.js";
import { closeServer, httpServer } from "./servers.js";

type Data = { user: string; cart: string[] } & Record<string, unknown>;

function buildApp(options: HonoSessionOptions<Data>) {
  const app = new Hono<{ Variables: SessionVariables<Data> }>();
  app.use(honoSession<Data>(options));
  app.get("/peek", async (c) => c.json(await c.get("session").load()));
  app.post("/set/:key", async (c) => {
    const session: SessionStore<Data> = c.get("session");
    await session.load();
    session.set(c.req.param("key"), c.req.param("key"));
    return c.text("ok");
  });
  app.post("/login", async (c) => {
    const session = c.get("session");
    await session.assignNewSessionKey();
    session.userId = "ann";
    session.set("user", "ann");
    return c.json(session.toJSON());
  });
  app.post("/with-headers", async (c) => {
    const session = c.get("session");
    await session.load();
    session.set("cart", ["apple"]);
    c.header("Set-Cookie", "theme=dark; Path=/");
    c.header("X-App", "yes");
    return c.text("done");
  });
  app.post("/fail", async (c) => {
    c.get("session").set("lost", true);
    throw new Error("boom");
  });
  return app;
}

async function start(options: SessionHttpOptions): Promise<ServedApp> {
  const server = httpServer(createAdaptorServer({ fetch: buildApp(options).fetch }));
  return { server, close: () => closeServer(server) };
}

describeHttpBehaviour("the Hono middleware", start);

describe("the Hono middleware's own cases", () => {
  const app = buildApp({ connector: new MemoryConnector(), cookie: { secure: false } });

  it("keeps the app's own cookies and headers beside the session cookie", async () => {
    const res = await app.request("/with-headers", { method: "POST" });
    expect(res.status).toBe(200);
    const cookies = res.headers.getSetCookie();
    expect(cookies.map((cookie) => cookie.split("=")[0])).toEqual(["theme", "session_id"]);
    expect(res.headers.get("x-app")).toBe("yes");
    expect(res.headers.get("vary")).toBe("Cookie");
  });

  it("a handler that throws answers through Hono's error handler, and nothing is saved", async () => {
    const res = await app.request("/fail", { method: "POST" });
    expect(res.status).toBe(500);
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it("a replacement answer carries none of the app's headers or cookies", async () => {
    const down = buildApp({
      connector: new MemoryConnector(),
      cookie: { secure: false },
      maxPayloadBytes: 10,
      logger: { error: () => {} },
    });
    const res = await down.request("/with-headers", { method: "POST" });
    expect(res.status).toBe(500);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(res.headers.get("x-app")).toBeNull();
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("mounted twice, the first middleware owns the request", async () => {
    const first = honoSession<Data>({ connector: new MemoryConnector(), cookie: { secure: false } });
    const twice = new Hono<{ Variables: SessionVariables<Data> }>();
    twice.use(first, honoSession<Data>({ connector: new MemoryConnector(), cookie: { secure: false } }));
    twice.post("/", async (c) => {
      c.get("session").set("user", "ann");
      return c.text("ok");
    });
    const res = await request(httpServer(createAdaptorServer({ fetch: twice.fetch }))).post("/");
    expect(setCookies(res)).toHaveLength(1);
    const key = cookieHeader(res, "session_id").split("=")[1] ?? "";
    expect(await first.manager.open(key).load()).toEqual({ user: "ann" });
  });
});
