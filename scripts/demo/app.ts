// The demo web app: Express with prisma-sessions' middleware on an embedded SQLite file.
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { parseCookie } from "cookie";
import express from "express";
import { PrismaClient } from "../../prisma/generated/sqlite/client.js";
import { type CleanupResult, cleanupExpiredSessions } from "../../src/cleanup/cleanup.js";
import { PrismaConnector } from "../../src/connectors/prisma.js";
import { SessionManager } from "../../src/index.js";
import { session } from "../../src/integrations/express.js";
import { redactSessionKey } from "../../src/keys.js";
import { ensureSessionTable } from "../../src/setup/ensure-session-table.js";
import { PrismaCleanupTarget } from "../../src/storage/prisma-target.js";
import { type Notice, renderPage } from "./page.js";

export type DemoData = { user: string; cart: string[] };

/** The demo's deadlines, shortened from the defaults (7 days idle, 30 days absolute) so they visibly move. */
export const DEMO_DEADLINES = { idleMinutes: 30, absoluteHours: 12 } as const;

/** A key on a rounded square: the demo's tab icon. */
const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<rect width="32" height="32" rx="7" fill="#2f6fde"/>
<circle cx="12" cy="16" r="5.5" fill="none" stroke="#fff" stroke-width="3"/>
<path d="M17 16h10M23 16v4M26.5 16v3" stroke="#fff" stroke-width="3" stroke-linecap="round"/>
</svg>`;

const NOTICE_COOKIE = "demo_notice";
const NOTICE_ATTRIBUTES = { httpOnly: true, sameSite: "lax", path: "/", maxAge: 60_000 } as const;

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
    idleTimeout: { minutes: DEMO_DEADLINES.idleMinutes },
    absoluteTimeout: { hours: DEMO_DEADLINES.absoluteHours },
  });
  // Plain http on localhost: without `secure: false` the cookie would be Secure outside development.
  // Addresses as the default policy keeps them: IPv4 to its /24, IPv6 to its /48 (a coarse location).
  const sessions = session<DemoData>({ manager, cookie: { secure: false }, clientAddress: "truncated" });
  const cleanupTarget = new PrismaCleanupTarget(prisma, { provider: "sqlite" });
  let lastCleanup: CleanupResult | null = null;

  const app = express();
  app.use(express.urlencoded({ extended: false }));
  // Before the session middleware: the icon needs no session.
  app.get("/favicon.svg", (_req, res) => {
    res.type("image/svg+xml").set("Cache-Control", "public, max-age=86400").send(FAVICON);
  });
  app.get("/favicon.ico", (_req, res) => res.redirect(301, "/favicon.svg"));
  app.use(sessions);
  // After each action, back to the page, which says once what happened: a short-lived cookie of its
  // own carries the notice (the session's data stays what the page shows; a reload shows no notice).
  const back = (res: express.Response, notice?: Notice) => {
    if (notice !== undefined) res.cookie(NOTICE_COOKIE, new URLSearchParams(notice).toString(), NOTICE_ATTRIBUTES);
    res.redirect(303, "/");
  };

  app.get("/", async (req, res) => {
    const current = sessions.from(req);
    await current.load();
    const row = current.id === null ? null : await connector.getSession(current.id);
    const user = current.get("user") ?? null;
    const devices = user === null ? [] : await manager.listUserSessions(user);
    const carried = parseCookie(req.headers.cookie ?? "")[NOTICE_COOKIE];
    if (carried !== undefined) res.clearCookie(NOTICE_COOKIE, NOTICE_ATTRIBUTES);
    const notice: Notice = Object.fromEntries(new URLSearchParams(carried ?? ""));
    res.type("html").send(
      renderPage({
        session: current,
        row,
        devices,
        lastCleanup,
        notice,
        addressPolicy: "truncated",
        deadlines: DEMO_DEADLINES,
      }),
    );
  });

  app.post("/sign-in", async (req, res) => {
    const name = String(req.body?.name ?? "")
      .trim()
      .slice(0, 40);
    if (name === "") return back(res);
    const current = sessions.from(req);
    const previous = redactSessionKey(current.sessionKey);
    await current.assignNewSessionKey(); // a new key on sign-in, keeping the cart (against fixation)
    current.userId = name;
    current.set("user", name);
    back(res, { done: "signed-in", previous });
  });

  app.post("/cart", async (req, res) => {
    const item = String(req.body?.item ?? "")
      .trim()
      .slice(0, 40);
    const current = sessions.from(req);
    const created = current.sessionKey === null;
    await current.load();
    if (item === "") return back(res);
    current.set("cart", [...(current.get("cart") ?? []), item]);
    back(res, { done: created ? "cart-created" : "cart-added", item });
  });

  app.post("/sign-out", async (req, res) => {
    await sessions.from(req).destroy();
    back(res, { done: "signed-out" });
  });

  app.post("/devices/sign-out-others", async (req, res) => {
    const current = sessions.from(req);
    await current.load();
    const user = current.get("user");
    const ended = user === undefined ? 0 : await manager.destroyUserSessions(user, { except: current });
    back(res, { done: "others-signed-out", count: String(ended) });
  });

  app.post("/devices/:id/sign-out", async (req, res) => {
    const current = sessions.from(req);
    await current.load();
    const user = current.get("user");
    // Only the signed-in user's own sessions can be ended from here.
    const mine = user === undefined ? [] : await manager.listUserSessions(user);
    if (!mine.some((device) => device.id === req.params.id)) return back(res);
    await manager.destroySessionById(req.params.id);
    back(res, { done: "device-signed-out" });
  });

  app.post("/cleanup", async (_req, res) => {
    lastCleanup = await cleanupExpiredSessions(cleanupTarget, { batchSize: 100 });
    back(res, { done: "cleaned", count: String(lastCleanup.deleted) });
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
    back(res, { done: "expired-added" });
  });

  return { app, close: () => prisma.$disconnect() };
}
