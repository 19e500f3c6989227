// The two apps every web-runtime check runs, built from dist/ on the memory connector: the fetch
// core (`fetchSessions().handle`) and the Hono middleware, with the same three routes:
//   GET  /anything   the session as JSON
//   POST /name       sets `name` to true in the session
//   POST /login      rotates the key and sets `user`
// Each app is a `(Request) => Promise<Response>`. Nothing here may need Node: workerd runs it too.
import { Hono } from "hono";
import { fetchSessions } from "../../dist/fetch.js";
import { honoSession } from "../../dist/hono.js";
import { MemoryConnector } from "../../dist/index.js";

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

/** `[name, fetch handler]` for each app, on one memory connector. */
export function apps() {
  const options = {
    connector: new MemoryConnector(),
    secrets: ["a secret for the runtime check"],
    cookie: { secure: false },
  };
  const fetchCore = fetchSessions(options).handle((request, session) => handle(session, request));
  const hono = new Hono();
  hono.use(honoSession(options));
  hono.all("*", (c) => handle(c.get("session"), c.req.raw));
  return [
    ["fetch core", fetchCore],
    ["Hono", (request) => hono.fetch(request)],
  ];
}
