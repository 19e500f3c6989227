// The React Router session storage inside React Router's own request handler
// (createRequestHandler with resource routes: loaders and actions answer with their Response),
// served over HTTP by @hono/node-server's adapter, on every database.
import { createAdaptorServer } from "@hono/node-server";
import { afterAll, describe, expect, it } from "@jest/globals";
import { createRequestHandler, type ServerBuild } from "react-router";
import request from "supertest";
import type { SessionHttpOptions } from "../../src/http/session-http.js";
import { ConfigError, MemoryConnector } from "../../src/index.js";
import { createPrismaSessionStorage, type PrismaSessionStorage } from "../../src/integrations/react-router.js";
import { describeHttpBehaviour, type ServedApp } from "./behaviour.js";
import { manualClock } from "./helpers.js";
import { closeServer, httpServer } from "./servers.js";

type Data = Record<string, string>;
type Flash = { notice: string };
type Module = NonNullable<ServerBuild["routes"][string]>["module"];
/** A resource route (no component: React Router answers with what its loader or action returns). */
function resource(module: Omit<Module, "default">): Module {
  // Route modules are typed with a component; a resource route's has none, as in a real build.
  const partial: Partial<Module> = module;
  return partial as Module;
}

function app(storage: PrismaSessionStorage<Data, Flash>): ServerBuild {
  const cookieOf = (request: Request) => request.headers.get("Cookie");
  /** The commit's Set-Cookie as a header, left out when it is empty (nothing to change). */
  const committed = async (
    session: Awaited<ReturnType<typeof storage.getSession>>,
  ): Promise<Record<string, string>> => {
    const setCookie = await storage.commitSession(session);
    return setCookie === "" ? {} : { "Set-Cookie": setCookie };
  };
  const routes: Record<string, [string, Module]> = {
    peek: [
      "peek",
      resource({
        loader: async ({ request }) => {
          const session = await storage.getSession(cookieOf(request));
          // Committed as loaders that read flash values are: it writes nothing when nothing changed.
          return Response.json(session.data, { headers: await committed(session) });
        },
      }),
    ],
    set: [
      "set/:key",
      resource({
        action: async ({ request, params }) => {
          const session = await storage.getSession(cookieOf(request));
          const key = params.key ?? "";
          session.set(key, key);
          return new Response("ok", { headers: await committed(session) });
        },
      }),
    ],
    login: [
      "login",
      resource({
        action: async ({ request }) => {
          const session = await storage.getSession(cookieOf(request));
          await storage.rotate(session);
          storage.store(session).userId = "ann";
          session.set("user", "ann");
          return Response.json(session.data, { headers: await committed(session) });
        },
      }),
    ],
    flash: [
      "flash",
      resource({
        action: async ({ request }) => {
          const session = await storage.getSession(cookieOf(request));
          session.flash("notice", "saved");
          return new Response("flashed", { headers: await committed(session) });
        },
        loader: async ({ request }) => {
          const session = await storage.getSession(cookieOf(request));
          const notice = session.get("notice") ?? null;
          return Response.json({ notice }, { headers: await committed(session) });
        },
      }),
    ],
    logout: [
      "logout",
      resource({
        action: async ({ request }) => {
          const session = await storage.getSession(cookieOf(request));
          return new Response("bye", { headers: { "Set-Cookie": await storage.destroySession(session) } });
        },
      }),
    ],
  };
  return {
    entry: { module: { default: () => new Response("no documents here", { status: 404 }) } },
    routes: {
      root: { id: "root", path: "", module: resource({}) },
      ...Object.fromEntries(
        Object.entries(routes).map(([id, [path, module]]) => [id, { id, parentId: "root", path, module }]),
      ),
    },
    assets: { entry: { module: "", imports: [] }, routes: {}, url: "", version: "1" },
    publicPath: "/",
    assetsBuildDirectory: "",
    future: {},
    ssr: true,
    isSpaMode: false,
    prerender: [],
    routeDiscovery: { mode: "lazy", manifestPath: "/__manifest" },
  };
}

function serve(storage: PrismaSessionStorage<Data, Flash>): ServedApp {
  const handler = createRequestHandler(app(storage), "production");
  const server = httpServer(
    createAdaptorServer({ fetch: (request) => handler(request), overrideGlobalObjects: false }),
  );
  return { server, close: () => closeServer(server) };
}

async function start(options: SessionHttpOptions): Promise<ServedApp> {
  return serve(createPrismaSessionStorage<Data, Flash>(options));
}

describeHttpBehaviour("the React Router session storage", start, { vary: false });

describe("the React Router session storage's own cases", () => {
  const storage = createPrismaSessionStorage<Data, Flash>({
    connector: new MemoryConnector(),
    cookie: { secure: false },
    clock: manualClock().clock,
  });
  const { server } = serve(storage);

  it("a flash value is read once, then gone", async () => {
    const session = await storage.getSession(null);
    session.set("first", "first");
    session.flash("notice", "saved");
    const cookie = (await storage.commitSession(session)).split(";")[0] ?? "";
    const read = await storage.getSession(cookie);
    expect(read.get("notice")).toBe("saved");
    await storage.commitSession(read);
    const again = await storage.getSession(cookie);
    expect(again.get("notice")).toBeUndefined();
    expect(again.get("first")).toBe("first");
  });

  it("a commit that changed nothing writes nothing and returns an empty Set-Cookie", async () => {
    const session = await storage.getSession(null);
    session.set("a", "b");
    const cookie = (await storage.commitSession(session)).split(";")[0] ?? "";
    const again = await storage.getSession(cookie);
    expect(await storage.commitSession(again)).toBe("");
  });

  it("destroySession deletes the row and clears the cookie", async () => {
    const session = await storage.getSession(null);
    session.set("a", "b");
    const cookie = (await storage.commitSession(session)).split(";")[0] ?? "";
    const cleared = await storage.destroySession(await storage.getSession(cookie));
    expect(cleared).toMatch(/^session_id=; Max-Age=0/);
    expect((await storage.getSession(cookie)).data).toEqual({});
  });

  it("commitSession's maxAge sets the session's expiry", async () => {
    const session = await storage.getSession(null);
    session.set("a", "b");
    const setCookie = await storage.commitSession(session, { maxAge: 3600 });
    expect(setCookie).toMatch(/Max-Age=3600/);
    expect(storage.store(session).getExpiryAge()).toBe(3600);
  });

  it("a session this storage did not give is a ConfigError", async () => {
    const other = await createPrismaSessionStorage<Data, Flash>({ connector: new MemoryConnector() }).getSession(null);
    await expect(storage.commitSession(other)).rejects.toThrow(ConfigError);
    expect(() => storage.store(other)).toThrow(ConfigError);
  });

  afterAll(() => closeServer(server));

  it("works through React Router's handler: flash in an action, read once in the next loader", async () => {
    const flashed = await request(server).post("/flash").expect(200);
    const cookie = String(flashed.headers["set-cookie"]).split(";")[0] ?? "";
    expect((await request(server).get("/flash").set("Cookie", cookie)).body).toEqual({ notice: "saved" });
    expect((await request(server).get("/flash").set("Cookie", cookie)).body).toEqual({ notice: null });
  });
});
