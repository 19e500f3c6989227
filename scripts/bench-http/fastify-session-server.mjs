// The ceiling for Fastify sessions in `npm run bench:http`: @fastify/session with its in-memory
// store (no database at all), the same three routes as scripts/bench-http/server.ts. Plain
// JavaScript on purpose: @fastify/session's types declare `request.session` too, and the two
// declarations cannot live in one type-checked program. Started with `<port>`.
import fastifyCookie from "@fastify/cookie";
import fastifySession from "@fastify/session";
import Fastify from "fastify";

const port = Number(process.argv[2]);
const app = Fastify();
await app.register(fastifyCookie);
await app.register(fastifySession, {
  secret: "a benchmark secret that is long enough for everyone",
  saveUninitialized: false,
  cookie: { secure: false, maxAge: 7 * 24 * 3600 * 1000 },
});
app.get("/read", async (req) => ({ count: req.session.get("count") ?? 0 }));
app.post("/change", async (req) => {
  req.session.set("count", (req.session.get("count") ?? 0) + 1);
  return { count: req.session.get("count") };
});
app.post("/login", async (req) => {
  const count = req.session.get("count");
  await req.session.regenerate();
  if (count !== undefined) req.session.set("count", count);
  req.session.set("user", "ann");
  return { user: "ann" };
});
await app.listen({ port, host: "127.0.0.1" });
process.stdout.write("ready\n");
process.on("SIGTERM", () => process.exit(0));
