// PostgreSQL's server-side batch loop (the command line's cleanup): budgets, ties at batch
// boundaries, stopping between calls, and the outcome it reports, on a real server.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import pg from "pg";
import { cleanupExpiredSessions } from "../../src/cleanup/cleanup.js";
import { openDatabase } from "../../src/cli/connect.js";
import { ConfigError } from "../../src/errors.js";
import { bindDate } from "../../src/sql/values.js";
import { PrismaCleanupTarget } from "../../src/storage/prisma-target.js";
import { openTestDatabase, providers, type TestDatabase } from "../support/databases.js";
import { countRows, databaseUrl, HOUR, insertRows, MINUTE, openServerTable, type ServerTable } from "./fixtures.js";

const PG_URL = process.env.PRISMA_SESSIONS_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
const describePostgres = providers.includes("postgresql") ? describe : describe.skip;

describePostgres("PostgreSQL cleanup batches run by the server", () => {
  let db: TestDatabase;
  let table: ServerTable;
  let close: () => Promise<void>;
  const now = new Date();
  const budget = { batches: 200, ms: 60_000 };

  beforeAll(async () => {
    db = await openTestDatabase("postgresql");
    ({ table, close } = await openServerTable(db));
  });
  afterEach(() => db.exec("DELETE FROM sessions"));
  afterAll(async () => {
    await close();
    await db.close();
  });

  it("runs batches until one comes back short and says how many", async () => {
    await insertRows(db, 250, new Date(now.getTime() - HOUR));
    await insertRows(db, 20, new Date(now.getTime() + HOUR));
    await expect(table.deleteExpiredBatches(now, 100, budget, null)).resolves.toMatchObject({
      deleted: 250,
      batches: 3,
      done: true,
    });
    await expect(countRows(db, now)).resolves.toEqual({ expired: 0, live: 20 });
  });

  it("stops after the budget's batches; the next call goes on from the deadline it returned", async () => {
    for (let minute = 1; minute <= 5; minute += 1) await insertRows(db, 10, new Date(now.getTime() - minute * MINUTE));
    const first = await table.deleteExpiredBatches(now, 10, { batches: 2, ms: 60_000 }, null);
    expect(first).toEqual({ deleted: 20, batches: 2, done: false, from: new Date(now.getTime() - 4 * MINUTE) });
    // Oldest deadlines first: the rows of the last three minutes are what is left.
    await expect(countRows(db, now)).resolves.toEqual({ expired: 30, live: 0 });
    await expect(table.deleteExpiredBatches(now, 10, budget, first.from)).resolves.toMatchObject({
      deleted: 30,
      batches: 4,
      done: true,
    });
  });

  it("a budget of no time runs one batch", async () => {
    await insertRows(db, 30, new Date(now.getTime() - HOUR));
    await expect(table.deleteExpiredBatches(now, 10, { batches: 200, ms: 0 }, null)).resolves.toMatchObject({
      deleted: 10,
      batches: 1,
      done: false,
    });
  });

  it("rows sharing one deadline go `limit` at a time, across a deadline shared at the boundary too", async () => {
    await insertRows(db, 3, new Date(now.getTime() - 2 * HOUR));
    await insertRows(db, 25, new Date(now.getTime() - HOUR));
    await insertRows(db, 2, new Date(now.getTime() - MINUTE));
    const first = await table.deleteExpiredBatches(now, 10, { batches: 1, ms: 60_000 }, null);
    expect(first).toEqual({ deleted: 10, batches: 1, done: false, from: new Date(now.getTime() - HOUR) });
    // The three oldest went first, then seven of the tied rows.
    const [older] = await db.sql("SELECT COUNT(*) AS n FROM sessions WHERE expires_at < ?", [
      bindDate("postgresql", new Date(now.getTime() - HOUR)),
    ]);
    expect(Number(older?.n)).toBe(0);
    await expect(countRows(db, now)).resolves.toEqual({ expired: 20, live: 0 });
    await expect(table.deleteExpiredBatches(now, 10, budget, first.from)).resolves.toMatchObject({
      deleted: 20,
      batches: 3,
      done: true,
    });
    await expect(countRows(db, now)).resolves.toEqual({ expired: 0, live: 0 });
  });

  it("through cleanupExpiredSessions: the maximum run time stops it between calls", async () => {
    await insertRows(db, 3000, new Date(now.getTime() - HOUR));
    const result = await cleanupExpiredSessions(table, { now, batchSize: 1, maxRuntime: 5 });
    expect(result.stoppedEarly).toBe("max-runtime");
    expect(result.deleted).toBeLessThan(3000);
    expect(result.batches).toBe(result.deleted);
    await expect(countRows(db, now)).resolves.toEqual({ expired: 3000 - result.deleted, live: 0 });
  });

  it("through cleanupExpiredSessions: the signal stops it after the call that was running", async () => {
    await insertRows(db, 3000, new Date(now.getTime() - HOUR));
    const controller = new AbortController();
    const result = await cleanupExpiredSessions(table, {
      now,
      batchSize: 5,
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    // One call: up to 200 batches or 250 ms, whichever comes first.
    expect(result.stoppedEarly).toBe("aborted");
    expect(result.batches).toBeGreaterThanOrEqual(1);
    expect(result.batches).toBeLessThanOrEqual(200);
    expect(result.deleted).toBe(result.batches * 5);
    await expect(countRows(db, now)).resolves.toEqual({ expired: 3000 - result.deleted, live: 0 });
  });

  it("a failure names the database's reason", async () => {
    await db.exec("ALTER TABLE sessions RENAME COLUMN expires_at TO expires");
    try {
      const opened = await openDatabase(await databaseUrl(db), "sessions");
      await expect(cleanupExpiredSessions(opened.sessions, { now })).rejects.toThrow(/ColumnNotFound/);
      await opened.close();
    } finally {
      await db.exec("ALTER TABLE sessions RENAME COLUMN expires TO expires_at");
    }
  });
});

describePostgres("PrismaCleanupTarget with the pg pool of its PrismaPg adapter", () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  const now = new Date();

  beforeAll(async () => {
    db = await openTestDatabase("postgresql");
    const schema = new URL(await databaseUrl(db)).searchParams.get("schema");
    // A role that hides notices from its clients: the block's outcome must arrive all the same.
    pool = new pg.Pool({
      connectionString: PG_URL,
      options: `-c search_path=${schema} -c client_min_messages=warning`,
      max: 2,
    });
  });
  afterAll(async () => {
    await pool.end();
    await db.close();
  });

  it("lets the server run the batches, with the same outcome", async () => {
    await insertRows(db, 2500, new Date(now.getTime() - HOUR));
    await insertRows(db, 40, new Date(now.getTime() + HOUR));
    const target = new PrismaCleanupTarget(db.openClient(), { provider: "postgresql", pool });
    expect(typeof target.deleteExpiredBatches).toBe("function");
    await expect(cleanupExpiredSessions(target, { now, batchSize: 1000 })).resolves.toMatchObject({
      deleted: 2500,
      batches: 3,
      stoppedEarly: false,
    });
    await expect(countRows(db, now)).resolves.toEqual({ expired: 0, live: 40 });
    // Every connection went back to the pool.
    expect(pool.idleCount).toBe(pool.totalCount);
  });

  it("keeps each call well inside the role's statement_timeout", async () => {
    await insertRows(db, 3000, new Date(now.getTime() - HOUR));
    // Every DELETE statement sleeps 10 ms, so the 30 batches take at least 300 ms whatever the
    // machine's load: a call running the default 250 ms budget would be cancelled at 200 ms.
    await db.exec(
      "CREATE FUNCTION slow_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.01); RETURN NULL; END $$",
    );
    await db.exec(
      "CREATE TRIGGER slow_delete AFTER DELETE ON sessions FOR EACH STATEMENT EXECUTE FUNCTION slow_delete()",
    );
    const schema = new URL(await databaseUrl(db)).searchParams.get("schema");
    const strict = new pg.Pool({
      connectionString: PG_URL,
      options: `-c search_path=${schema} -c statement_timeout=200`,
    });
    try {
      const target = new PrismaCleanupTarget(db.openClient(), { provider: "postgresql", pool: strict });
      let calls = 0;
      await expect(
        cleanupExpiredSessions(target, { now, batchSize: 100, onProgress: () => (calls += 1) }),
      ).resolves.toMatchObject({ deleted: 3000, batches: 31, stoppedEarly: false });
      // Each call stopped after about 100 ms (half the timeout), between two batches.
      expect(calls).toBeGreaterThan(2);
    } finally {
      await strict.end();
      await db.exec("DROP TRIGGER slow_delete ON sessions");
      await db.exec("DROP FUNCTION slow_delete()");
    }
  });

  it("without a pool there is no server-side loop; a pool on another database, or no pool at all, is a ConfigError", () => {
    expect(new PrismaCleanupTarget(db.openClient(), { provider: "postgresql" }).deleteExpiredBatches).toBeUndefined();
    expect(() => new PrismaCleanupTarget(db.openClient(), { provider: "mysql", pool })).toThrow(ConfigError);
    const notAPool = { connect: undefined } as unknown as pg.Pool;
    expect(() => new PrismaCleanupTarget(db.openClient(), { provider: "postgresql", pool: notAPool })).toThrow(
      ConfigError,
    );
  });
});
