// One subject of `npm run bench:http`, in its own process: the same small app on one framework
// and one session layer, on PostgreSQL through one connector. Started by scripts/bench-http.ts
// with `<subject> <connector> <port> <schema>`; prints "ready" once listening, exits on SIGTERM.
//
//   GET  /read    reads the session (80 % of the traffic)
//   POST /change  changes a counter in it (15 %)
//   POST /login   rotates the key and sets the user (5 %)
import { createServer } from "node:http";
import { serve } from "@hono/node-server";
import { PrismaPg } from "@prisma/adapter-pg";
import express from "express";
import expressSession from "express-session";
import Fastify from "fastify";
import { Hono } from "hono";
import pg from "pg";
import { PrismaClient } from "../../prisma/generated/postgresql/client.js";
import { CachedConnector } from "../../src/cache/cached-connector.js";
import { pgInvalidation } from "../../src/cache/pg-channel.js";
import type { SessionConnector } from "../../src/connector.js";
import { PrismaConnector } from "../../src/connectors/prisma.js";
import { PrismaAdapterConnector } from "../../src/connectors/prisma-adapter.js";
import { session } from "../../src/integrations/express.js";
import { ExpressSessionStore } from "../../src/integrations/express-store.js";
import { sessionPlugin } from "../../src/integrations/fastify.js";
import { honoSession, type SessionVariables } from "../../src/integrations/hono.js";
import { generateSessionKey, hashSessionKey } from "../../src/keys.js";
import type { SessionStore } from "../../src/session-store.js";

declare module "express-session" {
  interface SessionData {
    count: number;
    user: string;
  }
}

const [subject, connectorKind, portText, schema] = process.argv.slice(2);
const URL = process.env.PRISMA_SESSIONS_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
const POOL_MAX = 10;
const SECRET = "a benchmark secret that is long enough for everyone";
if (subject === undefined || connectorKind === undefined || portText === undefined || schema === undefined) {
  throw new Error("usage: server.ts <subject> <prisma|adapter> <port> <schema>");
}
const port = Number(portText);
const table: string = schema;

const pool = new pg.Pool({ connectionString: URL, max: POOL_MAX, options: `-c search_path=${schema}` });
/** The connector on the pool: the adapter connector for "adapter" and "cached", else PrismaConnector. */
function plainConnector(): PrismaConnector | PrismaAdapterConnector {
  if (connectorKind !== "prisma") {
    return new PrismaAdapterConnector(new PrismaPg(pool, { schema: table }), { table: `${table}.sessions` });
  }
  // errorFormat "minimal" is what NODE_ENV=production selects.
  return new PrismaConnector(
    new PrismaClient({ adapter: new PrismaPg(pool, { schema: table }), errorFormat: "minimal" }),
  );
}

const plain = plainConnector();

/** "cached": the session cache in front, invalidated by the database's own LISTEN/NOTIFY trigger (bench-http.ts installs it). */
function connector(): SessionConnector {
  if (connectorKind !== "cached") return plain;
  const listen = new pg.Pool({ connectionString: URL, max: 2 });
  return new CachedConnector(plain, { channel: pgInvalidation({ pool: listen }), maxEntries: 50_000 });
}

const options = { connector: connector(), secrets: [SECRET], cookie: { secure: false } };

/** The three routes over our SessionStore, whatever the framework. */
const ours = {
  read: async (s: SessionStore) => ({ count: Number((await s.load()).count ?? 0) }),
  change: async (s: SessionStore) => {
    await s.load();
    s.set("count", Number(s.get("count") ?? 0) + 1);
    return { count: s.get("count") };
  },
  login: async (s: SessionStore) => {
    await s.assignNewSessionKey();
    s.set("user", "ann");
    return { user: "ann" };
  },
};

function expressOurs(): express.Express {
  const app = express();
  const sessions = session(options);
  app.use(sessions);
  app.get("/read", async (req, res) => {
    res.json(await ours.read(sessions.from(req)));
  });
  app.post("/change", async (req, res) => {
    res.json(await ours.change(sessions.from(req)));
  });
  app.post("/login", async (req, res) => {
    res.json(await ours.login(sessions.from(req)));
  });
  return app;
}

function expressWithExpressSession(): express.Express {
  const app = express();
  app.use(
    expressSession({
      store: new ExpressSessionStore({ connector: plain }),
      secret: SECRET,
      resave: false,
      saveUninitialized: false,
      cookie: { maxAge: 7 * 24 * 3600 * 1000 },
    }),
  );
  app.get("/read", (req, res) => {
    res.json({ count: req.session.count ?? 0 });
  });
  app.post("/change", (req, res) => {
    req.session.count = (req.session.count ?? 0) + 1;
    res.json({ count: req.session.count });
  });
  app.post("/login", (req, res, next) => {
    const count = req.session.count;
    req.session.regenerate((error) => {
      if (error) {
        next(error);
        return;
      }
      if (count !== undefined) req.session.count = count;
      req.session.user = "ann";
      res.json({ user: "ann" });
    });
  });
  return app;
}

async function fastifyOurs(): Promise<void> {
  const app = Fastify();
  await app.register(sessionPlugin, options);
  app.get("/read", (req) => ours.read(req.session));
  app.post("/change", (req) => ours.change(req.session));
  app.post("/login", (req) => ours.login(req.session));
  await app.listen({ port, host: "127.0.0.1" });
}

/**
 * No session layer: every request makes the one primary-key read a session read costs (of a new
 * random key each time, as concurrent reads of one id would be deduplicated), through the same
 * connector. A lower bound rather than a floor: these requests are so short that they arrive in
 * step and the adapter connector batches their reads (measured: about one query per seven
 * requests, against one per request or more behind a session layer).
 */
async function fastifyFloor(): Promise<void> {
  const app = Fastify();
  const read = async () => ({
    found: (await options.connector.getSession(hashSessionKey(generateSessionKey()))) !== null,
  });
  app.get("/read", read);
  app.post("/change", read);
  app.post("/login", read);
  await app.listen({ port, host: "127.0.0.1" });
}

function honoOurs(): void {
  const app = new Hono<{ Variables: SessionVariables }>();
  app.use(honoSession(options));
  app.get("/read", async (c) => c.json(await ours.read(c.get("session"))));
  app.post("/change", async (c) => c.json(await ours.change(c.get("session"))));
  app.post("/login", async (c) => c.json(await ours.login(c.get("session"))));
  serve({ fetch: app.fetch, port, hostname: "127.0.0.1" });
}

async function main(): Promise<void> {
  if (options.connector instanceof CachedConnector) {
    await options.connector.start();
    while (!options.connector.serving) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  if (subject === "express") createServer(expressOurs()).listen(port, "127.0.0.1");
  else if (subject === "express-session") createServer(expressWithExpressSession()).listen(port, "127.0.0.1");
  else if (subject === "fastify") await fastifyOurs();
  else if (subject === "hono") honoOurs();
  else if (subject === "fastify-floor") await fastifyFloor();
  else throw new Error(`unknown subject ${subject}`);
  // Give the listen a turn, then say so.
  setTimeout(() => process.stdout.write("ready\n"), 50);
}

process.on("SIGTERM", () => {
  void pool.end().finally(() => process.exit(0));
});
await main();
