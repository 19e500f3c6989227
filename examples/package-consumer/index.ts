// A fresh application's first contact with the published package, outside this repository's
// tsconfig on purpose: scripts/check-package.mjs copies it into each consumer project of its matrix
// (ESM and CommonJS, several TypeScript resolutions, `strict`, `skipLibCheck: false`) that
// installed the packed tarball, compiles it and runs it with node. It prints one JSON line that
// the check compares with what it expects. The consumers do not install date-fns.
import express from "express";
import expressSession from "express-session";
import { type Duration, MemoryConnector, SessionManager } from "prisma-sessions";
import { type CleanupResult, cleanupExpiredSessions } from "prisma-sessions/cleanup";
import { session } from "prisma-sessions/express";
import { ExpressSessionStore } from "prisma-sessions/express-session";
import { nextSessions } from "prisma-sessions/next";
import { ensureSessionTable, type RawSqlClient } from "prisma-sessions/prisma";
import { type ConformanceTarget, describeConnectorConformance } from "prisma-sessions/testing";

declare module "express-session" {
  interface SessionData {
    views: number;
  }
}

type Cart = { items: string[] };

/** A Prisma-shaped client that finds no table and records what ensureSessionTable applies. */
function recordingClient(applied: string[]): RawSqlClient {
  return {
    $queryRawUnsafe: async () => [],
    $executeRawUnsafe: async (query: string) => applied.push(query),
  };
}

/** GETs `path` with `cookie`, returns the body and the `name=value` of any cookie set. */
async function get(base: string, path: string, cookie = ""): Promise<{ body: string; cookie: string }> {
  const response = await fetch(base + path, { headers: { cookie } });
  const set = response.headers.get("set-cookie");
  return { body: await response.text(), cookie: set === null ? cookie : (set.split(";")[0] ?? "") };
}

async function main(): Promise<void> {
  const connector = new MemoryConnector();
  const idleTimeout: Duration = { hours: 2 };
  const manager = new SessionManager<Cart>({ connector, idleTimeout });

  // A session saved and read back through the connector (which JSON-round-trips what it stores).
  const first = manager.open();
  first.set("items", ["book"]);
  await first.save();
  const again = manager.open(first.sessionKey);
  await again.load();

  // A session that ends in 5 minutes, cleaned an hour later; the first one (idle 2 hours) stays.
  const short = manager.open();
  short.set("items", []);
  short.setExpiry({ minutes: 5 });
  await short.save();
  const cleanup: CleanupResult = await cleanupExpiredSessions(connector, { now: new Date(Date.now() + 3_600_000) });

  // The testing entry loads without a test runner (running its suite would need one).
  const conformance: { describe: typeof describeConnectorConformance; setup?: () => Promise<ConformanceTarget> } = {
    describe: describeConnectorConformance,
  };

  // The migrations shipped in the tarball, found from the installed dist/.
  const applied: string[] = [];
  await ensureSessionTable(recordingClient(applied), { provider: "sqlite" });

  // Our middleware, and express-session on our store (express-session is loaded lazily by the package).
  const ours = session<Cart>({ connector, idleTimeout, cookie: { secure: false } });
  const app = express();
  app.get("/ours", ours, async (req, res) => {
    const cart = ours.from(req);
    await cart.load();
    cart.set("items", [...(cart.get("items") ?? []), "pen"]);
    res.send(cart.get("items")?.join(","));
  });
  const store = new ExpressSessionStore({ connector, idleTimeout: { days: 1 } });
  app.get(
    "/classic",
    expressSession({ store, secret: "consumer", resave: false, saveUninitialized: false }),
    (req, res) => {
      req.session.views = (req.session.views ?? 0) + 1;
      res.send(String(req.session.views));
    },
  );
  const server = app.listen(0);
  await new Promise((resolve) => server.once("listening", resolve));
  const address = server.address();
  const base = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`;
  try {
    const ours1 = await get(base, "/ours");
    const ours2 = await get(base, "/ours", ours1.cookie);
    const classic1 = await get(base, "/classic");
    const classic2 = await get(base, "/classic", classic1.cookie);
    console.log(
      JSON.stringify({
        format: typeof require === "function" ? "cjs" : "esm",
        reloaded: again.get("items"),
        deleted: cleanup.deleted,
        migration: applied.map((sql) => sql.split(" ").slice(0, 2).join(" ")),
        ours: ours2.body,
        classic: classic2.body,
        // Shared chunks: the manager behind prisma-sessions/express is a SessionManager of the main entry.
        sharedClasses: ours.manager instanceof SessionManager,
        entries: [typeof nextSessions, typeof conformance.describe],
      }),
    );
  } finally {
    server.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
