// Shared by the cleanup and command-line tests: bulk rows through raw SQL, counts read back with
// raw SQL, the URL of a test namespace (for the command line), and the two cleanup targets.
import { randomBytes } from "node:crypto";
import { openDatabase } from "../../src/cli/connect.js";
import type { CleanupLock, CleanupTarget } from "../../src/connector.js";
import { PrismaConnector } from "../../src/connectors/prisma.js";
import { placeholders } from "../../src/sql/provider.js";
import { bindDate } from "../../src/sql/values.js";
import { PrismaCleanupLock, type PrismaLockClient } from "../../src/storage/prisma-lock.js";
import { PrismaCleanupTarget } from "../../src/storage/prisma-target.js";
import type { SqlSessionTable } from "../../src/storage/sql-session-table.js";
import type { TestDatabase, TestPrismaClient } from "../support/databases.js";

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

const PG_URL = process.env.PRISMA_SESSIONS_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
const MYSQL_URL = process.env.PRISMA_SESSIONS_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test";

/** The database URL of the test namespace, as a user would pass it to the command line. */
export async function databaseUrl(db: TestDatabase): Promise<string> {
  switch (db.provider) {
    case "postgresql": {
      const [row] = await db.sql("SELECT current_schema() AS name");
      return `${PG_URL}${PG_URL.includes("?") ? "&" : "?"}schema=${String(row?.name)}`;
    }
    case "mysql": {
      const [row] = await db.sql("SELECT DATABASE() AS name");
      const url = new URL(MYSQL_URL);
      url.pathname = `/${String(row?.name)}`;
      return url.toString();
    }
    case "sqlite": {
      const rows = await db.sql("PRAGMA database_list");
      return `file:${String(rows.find((row) => row.name === "main")?.file)}`;
    }
  }
}

/**
 * Inserts `count` rows with this deadline in multi-row statements, dates in the format Prisma
 * writes. Returns their ids. `userId` may vary per row.
 */
export async function insertRows(
  db: TestDatabase,
  count: number,
  expiresAt: Date,
  userId: (index: number) => string | null = () => null,
): Promise<string[]> {
  const prefix = randomBytes(6).toString("hex");
  const ids = Array.from({ length: count }, (_, index) => `${prefix}-${index}`);
  const deadline = bindDate(db.provider, expiresAt);
  for (let start = 0; start < count; start += 500) {
    const chunk = ids.slice(start, start + 500);
    const values = chunk.map(() => "(?, ?, ?, ?, ?)").join(", ");
    const params = chunk.flatMap((id, offset) => [id, '{"cart":[]}', userId(start + offset), deadline, deadline]);
    await db.exec(`INSERT INTO sessions (id, data, user_id, expires_at, absolute_expires_at) VALUES ${values}`, params);
  }
  return ids;
}

/** How many rows have a deadline at or before `now` (`expired`) and after it (`live`), by raw SQL. */
export async function countRows(db: TestDatabase, now: Date): Promise<{ expired: number; live: number }> {
  const at = bindDate(db.provider, now);
  const [row] = await db.sql(
    "SELECT COUNT(CASE WHEN expires_at <= ? THEN 1 END) AS expired, COUNT(CASE WHEN expires_at > ? THEN 1 END) AS live FROM sessions",
    [at, at],
  );
  return { expired: Number(row?.expired), live: Number(row?.live) };
}

/** Sets a row's deadline by raw SQL. */
export async function setDeadline(db: TestDatabase, id: string, expiresAt: Date): Promise<void> {
  await db.exec("UPDATE sessions SET expires_at = ? WHERE id = ?", [bindDate(db.provider, expiresAt), id]);
}

/** The ways cleanup reaches a database: the Prisma connector, raw SQL through Prisma, the command line's SQL. */
export type TargetKind = "PrismaConnector" | "PrismaCleanupTarget" | "command-line SQL";
export const targetKinds: TargetKind[] = ["PrismaConnector", "PrismaCleanupTarget", "command-line SQL"];

/** A cleanup target and its lock, each on its own connection pool, as another process would have. */
export interface OpenTarget {
  target: CleanupTarget;
  lock: CleanupLock;
  close(): Promise<void>;
}

function hasTransaction(client: TestPrismaClient): client is TestPrismaClient & PrismaLockClient {
  return typeof Reflect.get(client, "$transaction") === "function";
}

/** A client of its own on the namespace, with interactive transactions. */
export function transactionClient(db: TestDatabase): TestPrismaClient & PrismaLockClient {
  const client = db.openClient();
  if (!hasTransaction(client)) throw new Error("the generated client has no $transaction");
  return client;
}

/**
 * Extends a row's deadline in a transaction of another client and keeps it open (the row locked,
 * the change invisible to others) until `commit()`.
 */
export async function holdExtension(
  db: TestDatabase,
  id: string,
  expiresAt: Date,
): Promise<{ commit(): Promise<void> }> {
  let finish = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  let updated = () => {};
  const ready = new Promise<void>((resolve) => {
    updated = resolve;
  });
  const sql = placeholders(db.provider, "UPDATE sessions SET expires_at = ? WHERE id = ?");
  const transaction = transactionClient(db).$transaction(
    async (tx) => {
      await tx.$queryRawUnsafe(sql, bindDate(db.provider, expiresAt), id);
      updated();
      await finished;
    },
    { timeout: 20_000 },
  );
  await Promise.race([ready, transaction]);
  return {
    commit: async () => {
      finish();
      await transaction;
    },
  };
}

const LOCK_WAITS: Record<string, string> = {
  postgresql:
    "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()" +
    " AND pid <> pg_backend_pid() AND query LIKE '%DELETE FROM%sessions%'",
  // MariaDB's INNODB_TRX does not list a statement waiting for a row lock; the process list shows
  // it in flight, which it stays until the lock holder commits.
  mysql:
    "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST" +
    " WHERE DB = DATABASE() AND ID <> CONNECTION_ID() AND INFO LIKE '%DELETE FROM%'",
};

/**
 * Resolves once a DELETE on this namespace waits for a row lock, or once `settled` has (a delete
 * that skips locked rows never waits). Polls the server's activity views; never a blind sleep.
 * (PostgreSQL's view cannot tell schemas apart: another test file's waiting delete only makes
 * this one commit early, which the assertions tolerate.)
 */
export async function deleteWaitsOrSettles(db: TestDatabase, settled: Promise<unknown>): Promise<void> {
  const query = LOCK_WAITS[db.provider];
  if (query === undefined) throw new Error(`no lock-wait probe for ${db.provider}`);
  let done = false;
  void settled.finally(() => {
    done = true;
  });
  const deadline = Date.now() + 10_000;
  while (!done && Date.now() < deadline) {
    const [row] = await db.sql(query);
    if (Number(row?.n) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function openTarget(kind: TargetKind, db: TestDatabase): Promise<OpenTarget> {
  if (kind !== "command-line SQL") {
    const client = transactionClient(db);
    return {
      target:
        kind === "PrismaConnector"
          ? new PrismaConnector(client)
          : new PrismaCleanupTarget(client, { provider: db.provider }),
      lock: new PrismaCleanupLock(client, { provider: db.provider }),
      close: async () => {}, // the harness disconnects its clients
    };
  }
  const opened = await openDatabase(await databaseUrl(db), "sessions");
  return { target: opened.sessions, lock: opened.lock, close: () => opened.close() };
}

/** The sessions table as the command line opens it, with PostgreSQL's server-side batch loop present. */
export type ServerTable = SqlSessionTable & {
  deleteExpiredBatches: NonNullable<SqlSessionTable["deleteExpiredBatches"]>;
};

/** Opens the PostgreSQL test namespace's table the way the command line does; fails without the server-side loop. */
export async function openServerTable(db: TestDatabase): Promise<{ table: ServerTable; close(): Promise<void> }> {
  const opened = await openDatabase(await databaseUrl(db), "sessions");
  const { sessions } = opened;
  const { deleteExpiredBatches } = sessions;
  if (deleteExpiredBatches === undefined) throw new Error("expected the server-side batch loop");
  return { table: Object.assign(sessions, { deleteExpiredBatches }), close: () => opened.close() };
}
