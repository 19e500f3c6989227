import { join } from "node:path";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { ensureSessionTable } from "prisma-sessions/prisma";
// The repository's generated SQLite client (`npm run generate`); in your app, your own client.
import { PrismaClient } from "../../../prisma/generated/sqlite/client";

/** The SQLite file: SESSIONS_DB, else sessions.db next to the app. */
const file = process.env.SESSIONS_DB ?? join(process.cwd(), "sessions.db");

const globalForPrisma = globalThis as unknown as { prisma?: PrismaClient; ready?: Promise<unknown> };

// One client per process (Next's dev server reloads modules, which would open one per reload).
globalForPrisma.prisma ??= new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: `file:${file}` }) });
export const prisma: PrismaClient = globalForPrisma.prisma;

/** Creates the sessions table on first use, from the library's shipped migration. */
export function databaseReady(): Promise<unknown> {
  globalForPrisma.ready ??= ensureSessionTable(prisma, { provider: "sqlite" });
  return globalForPrisma.ready;
}
