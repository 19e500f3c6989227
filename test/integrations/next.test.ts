// The Next.js integration in-process: the proxy helper with real Request/Response objects (and a
// real NextResponse), App Router sessions over a cookie store shaped like Next's, and Pages Router
// API routes on a Node server through supertest. The built example app is driven in test/e2e.
import { createServer } from "node:http";
import { beforeEach, describe, expect, it, jest } from "@jest/globals";
import { parseSetCookie } from "cookie";
import { NextResponse } from "next/server.js";
import request from "supertest";
import { sessionCookie } from "../../src/http/cookie.js";
import { resolveHttpOptions } from "../../src/http/http-options.js";
import {
  jsonSerializer,
  MemoryConnector,
  type SessionConnector,
  SessionManager,
  SessionReadOnly,
} from "../../src/index.js";
import type { NextSessions } from "../../src/integrations/next.js";
import type { NextSession } from "../../src/integrations/next-app.js";
import type { NextCookie, NextCookieStore } from "../../src/integrations/next-headers.js";
import { countCalls } from "../support/backends.js";
import { cookieHeader, cookieSet, DAY_MS, manualClock } from "./helpers.js";

type Data = { cart: string[]; user: string };

// What `await cookies()` and `await headers()` give the App Router code under test.
let currentStore: NextCookieStore;
jest.unstable_mockModule("next/headers.js", () => ({
  cookies: async () => currentStore,
  headers: async () => ({ get: () => null }),
}));
// connection() needs a request context of Next's own; here every call is a request.
const nextServer = await import("next/server.js");
jest.unstable_mockModule("next/server.js", () => ({ ...nextServer, connection: async () => undefined }));
const { nextSessions } = await import("../../src/integrations/next.js");

/** A connector whose every call fails, as with the database stopped. */
function downConnector(): SessionConnector {
  return new Proxy(new MemoryConnector(), {
    get: (target, property) => {
      const value: unknown = Reflect.get(target, property);
      return typeof value === "function" ? () => Promise.reject(new Error("connect ECONNREFUSED")) : value;
    },
  });
}

/** Next's cookie store as Route Handlers and Server Actions see it (each access: a fresh wrapper). */
function writableStore(incoming: Record<string, string> = {}): NextCookieStore & { written: NextCookie[] } {
  const written: NextCookie[] = [];
  return {
    written,
    getAll: (name) => (name in incoming ? [{ name, value: incoming[name] ?? "" }] : []),
    get set() {
      return (cookie: NextCookie) => written.push(cookie);
    },
    get delete() {
      return (name: string) => written.push({ name, value: "", maxAge: 0 });
    },
  };
}

/** Next's sealed store in a Server Component: `set` and `delete` are one throwing function. */
function sealedStore(incoming: Record<string, string> = {}): NextCookieStore {
  const refuse = (): never => {
    throw new Error("Cookies can only be modified in a Server Action or Route Handler.");
  };
  return {
    getAll: (name) => (name in incoming ? [{ name, value: incoming[name] ?? "" }] : []),
    set: refuse,
    delete: refuse,
  };
}

describe("App Router sessions (NextSession)", () => {
  let connector: MemoryConnector;
  let sessions: NextSessions<Data>;
  let time: ReturnType<typeof manualClock>;

  beforeEach(() => {
    connector = new MemoryConnector();
    time = manualClock();
    sessions = nextSessions<Data>({ connector, clock: time.clock, cookie: { secure: false } });
  });

  /** getSession() in a request whose cookie store is `store`. */
  function open(store: NextCookieStore): Promise<NextSession<Data>> {
    currentStore = store;
    return sessions.getSession();
  }

  /** A stored session with a cart; returns its key. */
  async function stored(): Promise<string> {
    const session = await open(writableStore());
    session.set("cart", ["apple"]);
    await session.save();
    return session.sessionKey ?? "";
  }

  it("save() writes the row and sets the cookie with the HTTP layer's attributes", async () => {
    const store = writableStore();
    const session = await open(store);
    session.set("cart", ["apple"]);
    await session.save();
    const key = session.sessionKey ?? "";
    const expected = parseSetCookie(
      sessionCookie(
        resolveHttpOptions({ cookie: { secure: false } }, {}),
        key,
        { expiresAt: session.getExpiryDate(), browserSession: false, now: time.clock() },
        false,
      ),
    );
    expect(store.written).toEqual([
      {
        name: expected.name,
        value: expected.value,
        path: "/",
        httpOnly: true,
        sameSite: "lax",
        expires: expected.expires,
        maxAge: 7 * 24 * 3600,
      },
    ]);
    expect(await connector.getSession(session.id ?? "")).not.toBeNull();
  });

  it("a save that changes neither key nor deadline sends no cookie", async () => {
    const key = await stored();
    const store = writableStore({ session_id: key });
    const again = await open(store);
    await again.load();
    again.set("cart", ["apple", "pear"]);
    await again.save();
    expect(store.written).toEqual([]);
  });

  it("rotating the key on sign-in sends the new key", async () => {
    const key = await stored();
    const store = writableStore({ session_id: key });
    const session = await open(store);
    const rotated = await session.assignNewSessionKey();
    session.userId = "ann";
    await session.save();
    expect(rotated).not.toBe(key);
    expect(store.written.map((cookie) => cookie.value)).toEqual([rotated]);
  });

  it("destroy() deletes the row and clears the cookie", async () => {
    const key = await stored();
    const store = writableStore({ session_id: key });
    const session = await open(store);
    await session.destroy();
    expect(await connector.getSession(sessions.manager.idOf(key) ?? "")).toBeNull();
    expect(store.written).toMatchObject([{ name: "session_id", value: "", maxAge: 0 }]);
  });

  it("in a Server Component, save() and destroy() throw SessionReadOnly and write nothing", async () => {
    const key = await stored();
    const session = await open(sealedStore({ session_id: key }));
    await session.load();
    session.set("cart", []);
    await expect(session.save()).rejects.toThrow(SessionReadOnly);
    await expect(session.destroy()).rejects.toMatchObject({ code: "READ_ONLY" });
    const row = await connector.getSession(sessions.manager.idOf(key) ?? "");
    expect(jsonSerializer.parse(row?.data ?? "")).toEqual({ cart: ["apple"] });
    expect(row?.version).toBe(1);
  });

  it("reads are allowed in a Server Component", async () => {
    const key = await stored();
    const session = await open(sealedStore({ session_id: key }));
    expect(await session.load()).toEqual({ cart: ["apple"] });
  });
});

describe("refresh() in the proxy layer", () => {
  let time: ReturnType<typeof manualClock>;
  let calls: string[];
  let sessions: NextSessions<Data>;
  let key: string;

  beforeEach(async () => {
    time = manualClock();
    const counted = countCalls(new MemoryConnector({ clock: time.clock }));
    calls = counted.calls;
    const manager = new SessionManager<Data>({
      connector: counted.connector,
      clock: time.clock,
      idleTimeout: { days: 2 },
    });
    sessions = nextSessions<Data>({ manager, cookie: { secure: false } });
    const session = manager.open(null);
    session.set("cart", ["apple"]);
    await session.save();
    key = session.sessionKey ?? "";
    calls.length = 0;
  });

  const page = (cookie?: string, method = "GET") =>
    new Request("http://localhost/dashboard", { method, headers: cookie ? { cookie } : {} });

  it("without a session cookie it does nothing and makes no query", async () => {
    const response = new Response("page");
    expect(await sessions.refresh(page(), response)).toBe(response);
    expect(await sessions.refresh(page("session_id=not-a-key"), response)).toBe(response);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(calls).toEqual([]);
  });

  it("leaves writes (Server Actions, POST) to getSession()", async () => {
    time.advance(1.5 * DAY_MS);
    const response = new Response("page");
    await sessions.refresh(page(`session_id=${key}`, "POST"), response);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(calls).toEqual([]);
  });

  it("sends nothing while more than half of the idle window remains", async () => {
    time.advance(0.5 * DAY_MS);
    const response = await sessions.refresh(page(`session_id=${key}`), new Response("page"));
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(calls).toEqual(["getSession"]);
  });

  it("extends the deadline and re-dates the cookie once half of the idle window has passed", async () => {
    time.advance(1.5 * DAY_MS);
    const response = await sessions.refresh(page(`session_id=${key}`), new Response("page"));
    const expected = new Date(time.clock().getTime() + 2 * DAY_MS);
    const [setCookie] = response.headers.getSetCookie();
    expect(parseSetCookie(setCookie ?? "")).toMatchObject({ name: "session_id", value: key, expires: expected });
    expect(calls).toEqual(["getSession", "touchSession"]);
  });

  it("keeps NextResponse's cookie jar in step (so Next forwards the cookie to the page)", async () => {
    time.advance(1.5 * DAY_MS);
    const response = await sessions.refresh(page(`session_id=${key}`), NextResponse.next());
    expect(response).toBeInstanceOf(NextResponse);
    expect((response as NextResponse).cookies.get("session_id")?.value).toBe(key);
  });

  it("clears a cookie whose session is gone", async () => {
    const unknown = "u".repeat(32);
    const response = await sessions.refresh(page(`session_id=${unknown}`), new Response("page"));
    const [setCookie] = response.headers.getSetCookie();
    expect(parseSetCookie(setCookie ?? "")).toMatchObject({ name: "session_id", value: "", maxAge: 0 });
  });

  it("answers 503 when storage is down (fail-closed), passes the page through under fail-open", async () => {
    const cookie = `session_id=${"k".repeat(32)}`;
    const logger = { error: () => {} };
    const closed = nextSessions({ connector: downConnector(), logger });
    const refused = await closed.refresh(page(cookie), new Response("page"));
    expect(refused.status).toBe(503);
    const open = nextSessions({ connector: downConnector(), logger, onStorageError: "fail-open" });
    const passed = new Response("page");
    expect(await open.refresh(page(cookie), passed)).toBe(passed);
  });
});

describe("Pages Router API routes", () => {
  let sessions: NextSessions<Data>;

  beforeEach(() => {
    sessions = nextSessions<Data>({ connector: new MemoryConnector(), cookie: { secure: false } });
  });

  it("withSession puts the session on req and saves it when the response ends", async () => {
    const handler = sessions.withSession(async (req, res) => {
      await req.session.load();
      req.session.set("cart", [...(req.session.get("cart") ?? []), "apple"]);
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify(req.session.get("cart")));
    });
    const server = createServer((req, res) => void handler(req, res));
    const first = await request(server).get("/api/cart");
    expect(first.body).toEqual(["apple"]);
    expect(cookieSet(first, "session_id")).toMatchObject({ httpOnly: true, sameSite: "lax" });
    const second = await request(server).get("/api/cart").set("Cookie", cookieHeader(first, "session_id"));
    expect(second.body).toEqual(["apple", "apple"]);
  });

  it("the wrapper resolves only once the response went out (Next checks it was sent)", async () => {
    let sentWhenResolved: boolean | undefined;
    const handler = sessions.withSession(async (req, res) => {
      req.session.set("cart", ["pear"]);
      res.end("ok");
    });
    const server = createServer((req, res) => {
      void handler(req, res).then(() => {
        sentWhenResolved = res.writableEnded;
      });
    });
    await request(server).get("/");
    expect(sentWhenResolved).toBe(true);
  });

  it("getSession(req, res) gives the same session on every call for a request", async () => {
    const server = createServer(async (req, res) => {
      const first = await sessions.getSession(req, res);
      const second = await sessions.getSession(req, res);
      res.end(String(first === second));
    });
    expect((await request(server).get("/")).text).toBe("true");
  });
});
