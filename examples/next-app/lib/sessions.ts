import { nextSessions } from "prisma-sessions/next";
import { PrismaConnector } from "prisma-sessions/prisma";
import { databaseReady, prisma } from "./prisma";

export type SessionData = { user: string; cart: string[]; [key: string]: unknown };

const idleSeconds = Number(process.env.SESSION_IDLE_SECONDS ?? 7 * 24 * 3600);

export const sessions = nextSessions<SessionData>({
  connector: new PrismaConnector(prisma),
  idleTimeout: { seconds: idleSeconds },
  absoluteTimeout: { days: 30 },
  // Secure outside development by default; COOKIE_SECURE=false lets plain-http hosts other than localhost work.
  cookie: { secure: process.env.COOKIE_SECURE === "false" ? false : "auto" },
});

/**
 * The request's session (App Router), with the table created on first use. The session first: it
 * waits for a request (Next's `connection()`), so no prerender ever touches the database.
 */
export async function getSession() {
  const session = await sessions.getSession();
  await databaseReady();
  return session;
}
