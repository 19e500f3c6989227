// Runs the built fetch core and Hono middleware on whatever runtime starts this file (Node, Bun,
// Deno), over real HTTP on loopback with the runtime's own server, Request and Response, on the
// memory connector: `npm run build`, then `node|bun|deno run -A scripts/check-web-runtimes.mjs`.
// Prints one line per check and exits non-zero on the first failure.
import { Hono } from "hono";
import { fetchSessions } from "../dist/fetch.js";
import { honoSession } from "../dist/hono.js";
import { MemoryConnector } from "../dist/index.js";

const runtime = globalThis.Bun
  ? `Bun ${Bun.version}`
  : globalThis.Deno
    ? `Deno ${Deno.version.deno}`
    : `Node ${process.version}`;
const options = {
  connector: new MemoryConnector(),
  secrets: ["a secret for the runtime check"],
  cookie: { secure: false },
};

async function handle(session, request) {
  const path = new URL(request.url).pathname;
  if (path === "/login") {
    await session.assignNewSessionKey();
    session.set("user", "ann");
    return new Response("welcome");
  }
  await session.load();
  if (request.method === "POST") session.set(path.slice(1), true);
  return Response.json(session.toJSON());
}

const fetchCore = fetchSessions(options).handle((request, session) => handle(session, request));
const hono = new Hono();
hono.use(honoSession(options));
hono.all("*", (c) => handle(c.get("session"), c.req.raw));

async function serve(handler) {
  if (globalThis.Bun) {
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: handler });
    return { url: `http://127.0.0.1:${server.port}`, close: () => server.stop(true) };
  }
  if (globalThis.Deno) {
    const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, handler);
    return { url: `http://127.0.0.1:${server.addr.port}`, close: () => server.shutdown() };
  }
  const { serve: nodeServe } = await import("@hono/node-server");
  return new Promise((resolve) => {
    const server = nodeServe({ fetch: handler, port: 0, hostname: "127.0.0.1" }, (info) =>
      resolve({ url: `http://127.0.0.1:${info.port}`, close: () => new Promise((done) => server.close(done)) }),
    );
  });
}

function check(label, ok) {
  console.log(`${ok ? "ok  " : "FAIL"} ${runtime}: ${label}`);
  if (!ok) process.exit(1);
}

for (const [name, handler] of [
  ["fetch core", fetchCore],
  ["Hono", hono.fetch],
]) {
  const { url, close } = await serve(handler);
  const call = (path, method, cookie) => fetch(`${url}${path}`, { method, headers: cookie ? { cookie } : {} });
  const first = await call("/cart", "POST");
  const cookie = (first.headers.get("set-cookie") ?? "").split(";")[0];
  check(`${name}: a write sets a signed session cookie`, /^session_id=[\w-]{32}\.[\w-]{43}$/.test(cookie));
  check(
    `${name}: the cookie brings the session back`,
    JSON.stringify(await (await call("/", "GET", cookie)).json()) === '{"cart":true}',
  );
  const tampered = `${cookie.slice(0, -1)}${cookie.endsWith("A") ? "B" : "A"}`;
  check(
    `${name}: a tampered cookie is no session`,
    JSON.stringify(await (await call("/", "GET", tampered)).json()) === "{}",
  );
  const login = await call("/login", "POST", cookie);
  const fresh = (login.headers.get("set-cookie") ?? "").split(";")[0];
  check(
    `${name}: log-in rotates the key and keeps the data`,
    fresh !== cookie && (await (await call("/", "GET", fresh)).text()).includes('"cart":true'),
  );
  const late = await call("/late", "POST", cookie);
  check(
    `${name}: a write with the key rotated moments ago answers 409 without Set-Cookie`,
    late.status === 409 && late.headers.get("set-cookie") === null,
  );
  await late.text();
  await close();
}
