// The fetch-API core with real Request and Response objects (Node's own, from undici: the adapter
// is told not to swap in its lighter ones), served over HTTP by @hono/node-server's adapter (a
// plain fetch handler: no Hono routing), on every database.
import { createAdaptorServer } from "@hono/node-server";
import { describe, expect, it } from "@jest/globals";
import type { SessionHttpOptions } from "../../src/http/session-http.js";
import { ConfigError, MemoryConnector } from "../../src/index.js";
import { fetchSessions } from "../../src/integrations/fetch.js";
import { describeHttpBehaviour, type ServedApp } from "./behaviour.js";
import { closeServer, httpServer } from "./servers.js";

type Data = Record<string, string>;

/** Node's Response, before anything could replace the global. */
const NodeResponse = globalThis.Response;

function handler(options: SessionHttpOptions) {
  const sessions = fetchSessions(options);
  return sessions.handle(async (request, session) => {
    const { pathname } = new URL(request.url);
    if (request.method === "GET" && pathname === "/peek") return Response.json(await session.load());
    const set = /^\/set\/(\w+)$/.exec(pathname);
    if (request.method === "POST" && set?.[1] !== undefined) {
      await session.load();
      session.set(set[1], set[1]);
      return new Response("ok");
    }
    if (request.method === "POST" && pathname === "/login") {
      await session.assignNewSessionKey();
      session.userId = "ann";
      session.set("user", "ann");
      return Response.json(session.toJSON());
    }
    return new Response("not found", { status: 404 });
  });
}

async function start(options: SessionHttpOptions): Promise<ServedApp> {
  const server = httpServer(createAdaptorServer({ fetch: handler(options), overrideGlobalObjects: false }));
  return { server, close: () => closeServer(server) };
}

describeHttpBehaviour("the fetch core", start);

describe("fetchSessions with Response objects", () => {
  const sessions = fetchSessions<Data>({ connector: new MemoryConnector(), cookie: { secure: false } });

  it("runs on Node's own Request and Response (the adapter left the globals alone)", () => {
    expect(Response).toBe(NodeResponse);
  });

  it("adds Set-Cookie to a response whose headers are immutable (from fetch or Response.redirect) through a copy", async () => {
    const session = sessions.open(new Request("http://localhost/"));
    session.set("a", "b");
    const redirect = Response.redirect("http://localhost/next", 303);
    const res = await sessions.commit(session, redirect);
    expect(res).not.toBe(redirect);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("http://localhost/next");
    expect(res.headers.getSetCookie()).toHaveLength(1);
    expect(res.headers.get("vary")).toBe("Cookie");
  });

  it("keeps the response object when its headers can change, and adds Cookie to its Vary once", async () => {
    const session = sessions.open(new Headers());
    session.set("a", "b");
    const original = new Response("hi", { headers: { Vary: "Accept-Encoding" } });
    const res = await sessions.commit(session, original);
    expect(res).toBe(original);
    expect(res.headers.get("vary")).toBe("Accept-Encoding, Cookie");
  });

  it("an untouched session leaves the response alone", async () => {
    const original = new Response("hi");
    const res = await sessions.commit(sessions.open(new Request("http://localhost/")), original);
    expect(res).toBe(original);
    expect([...res.headers.keys()]).toEqual(["content-type"]);
  });

  it("gives Secure over https under secure: auto in development only when the URL or X-Forwarded-Proto says https", async () => {
    const saved = process.env.NODE_ENV;
    process.env.NODE_ENV = "development";
    try {
      const dev = fetchSessions<Data>({ connector: new MemoryConnector() });
      const cookieOf = async (request: Request) => {
        const session = dev.open(request);
        session.set("a", "b");
        return (await dev.commit(session, new Response("ok"))).headers.get("set-cookie") ?? "";
      };
      expect(await cookieOf(new Request("https://example.test/"))).toMatch(/; Secure/);
      expect(await cookieOf(new Request("http://example.test/"))).not.toMatch(/; Secure/);
      const proxied = new Request("http://example.test/", { headers: { "X-Forwarded-Proto": "https" } });
      expect(await cookieOf(proxied)).toMatch(/; Secure/);
    } finally {
      process.env.NODE_ENV = saved;
    }
  });

  it("commit() of a session open() did not give, or twice, is a ConfigError", async () => {
    const session = sessions.open(new Request("http://localhost/"));
    await sessions.commit(session, new Response("ok"));
    await expect(sessions.commit(session, new Response("ok"))).rejects.toThrow(ConfigError);
    const other = fetchSessions<Data>({ connector: new MemoryConnector() }).open(new Headers());
    await expect(sessions.commit(other, new Response("ok"))).rejects.toThrow(ConfigError);
  });
});
