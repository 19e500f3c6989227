// The demo web app: Express with prisma-sessions' middleware on an embedded SQLite file.
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import express from "express";
import { PrismaClient } from "../../prisma/generated/sqlite/client.js";
import { type CleanupResult, cleanupExpiredSessions } from "../../src/cleanup/cleanup.js";
import { PrismaConnector } from "../../src/connectors/prisma.js";
import { SessionManager } from "../../src/index.js";
import { session } from "../../src/integrations/express.js";
import { ensureSessionTable } from "../../src/setup/ensure-session-table.js";
import { PrismaCleanupTarget } from "../../src/storage/prisma-target.js";
import { renderPage } from "./page.js";

export type DemoData = { user: string; cart: string[] };

export interface Demo {
  app: express.Express;
  close(): Promise<void>;
}

/** Builds the demo on the SQLite file `file` (created with the shipped migration if new). */
export async function createDemo(file: string): Promise<Demo> {
  const prisma = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: `file:${file}` }) });
  await ensureSessionTable(prisma, { provider: "sqlite" });
  const connector = new PrismaConnector(prisma);
  const manager = new SessionManager<DemoData>({
    connector,
    idleTimeout: { minutes: 30 },
    absoluteTimeout: { hours: 12 },
  });
  // Plain http on localhost: without `secure: false` the cookie would be Secure outside development.
  const sessions = session<DemoData>({ manager, cookie: { secure: false } });
  const cleanupTarget = new PrismaCleanupTarget(prisma, { provider: "sqlite" });
  let lastCleanup: CleanupResult | null = null;

  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.use(sessions);
  const back = (res: express.Response) => res.redirect(303, "/");

  app.get("/", async (req, res) => {
    const current = sessions.from(req);
    await current.load();
    const row = current.id === null ? null : await connector.getSession(current.id);
    const user = current.get("user") ?? null;
    const devices = user === null ? [] : await manager.listUserSessions(user);
    res.type("html").send(renderPage({ session: current, row, devices, lastCleanup }));
  });

  app.post("/sign-in", async (req, res) => {
    const name = String(req.body?.name ?? "")
      .trim()
      .slice(0, 40);
    if (name === "") return back(res);
    const current = sessions.from(req);
    await current.assignNewSessionKey(); // a new key on sign-in, keeping the cart (against fixation)
    current.userId = name;
    current.set("user", name);
    back(res);
  });

  app.post("/cart", async (req, res) => {
    const item = String(req.body?.item ?? "")
      .trim()
      .slice(0, 40);
    const current = sessions.from(req);
    await current.load();
    if (item !== "") current.set("cart", [...(current.get("cart") ?? []), item]);
    back(res);
  });

  app.post("/sign-out", async (req, res) => {
    await sessions.from(req).destroy();
    back(res);
  });

  app.post("/devices/sign-out-others", async (req, res) => {
    const current = sessions.from(req);
    await current.load();
    const user = current.get("user");
    if (user !== undefined) await manager.destroyUserSessions(user, { except: current });
    back(res);
  });

  app.post("/devices/:id/sign-out", async (req, res) => {
    const current = sessions.from(req);
    await current.load();
    const user = current.get("user");
    // Only the signed-in user's own sessions can be ended from here.
    const mine = user === undefined ? [] : await manager.listUserSessions(user);
    if (mine.some((device) => device.id === req.params.id)) await manager.destroySessionById(req.params.id);
    back(res);
  });

  app.post("/cleanup", async (_req, res) => {
    lastCleanup = await cleanupExpiredSessions(cleanupTarget, { batchSize: 100 });
    back(res);
  });

  app.post("/expired-samples", async (_req, res) => {
    // Three sessions that ended a minute ago, so the cleanup has something to delete.
    const past = new Date(Date.now() - 60_000);
    for (let i = 0; i < 3; i++) {
      await connector.createSession({
        id: `expired-sample-${Date.now()}-${i}`,
        data: "{}",
        userId: null,
        version: 1,
        expiresAt: past,
        absoluteExpiresAt: past,
        browserSession: false,
        createdAt: past,
        updatedAt: past,
        userAgent: null,
        clientAddress: null,
      });
    }
    back(res);
  });

  return { app, close: () => prisma.$disconnect() };
}
