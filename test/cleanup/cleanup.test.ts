import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { cleanupExpiredSessions } from "../../src/cleanup/cleanup.js";
import type { CleanupTarget, StoredSession } from "../../src/connector.js";
import { PrismaConnector } from "../../src/connectors/prisma.js";
import { openTestDatabase, providers, type TestDatabase } from "../support/databases.js";
import { fakeOnly } from "../support/fake-date.js";
import {
  countRows,
  deleteWaitsOrSettles,
  HOUR,
  holdExtension,
  insertRows,
  MINUTE,
  type OpenTarget,
  openTarget,
  setDeadline,
  type TargetKind,
  targetKinds,
} from "./fixtures.js";

const cases = providers.flatMap((provider) => targetKinds.map((kind) => [provider, kind] as const));

/** A target that calls `after(batch)` once each batch has returned. */
function observed(inner: CleanupTarget, after: (batch: number) => Promise<void> | void): CleanupTarget {
  let batch = 0;
  return {
    countExpiredSessions: (now) => inner.countExpiredSessions(now),
    currentTime: () => inner.currentTime(),
    deleteExpiredSessions: async (now, limit) => {
      const deleted = await inner.deleteExpiredSessions(now, limit);
      await after(++batch);
      return deleted;
    },
  };
}

describe.each(cases)("cleanup on %s through the %s", (provider, kind: TargetKind) => {
  let db: TestDatabase;
  let opened: OpenTarget[] = [];
  const now = new Date();

  beforeAll(async () => {
    db = await openTestDatabase(provider);
  });
  afterEach(async () => {
    await Promise.all(opened.map((target) => target.close()));
    opened = [];
    await db.exec("DELETE FROM sessions");
  });
  afterAll(() => db.close());

  async function open(): Promise<OpenTarget> {
    const target = await openTarget(kind, db);
    opened.push(target);
    return target;
  }

  describe("what goes and what stays", () => {
    it("deletes every expired row in batches and leaves live rows", async () => {
      await insertRows(db, 2500, new Date(now.getTime() - HOUR));
      const live = await insertRows(db, 300, new Date(now.getTime() + HOUR), (i) => `user-${i % 3}`);
      const { target } = await open();
      const result = await cleanupExpiredSessions(target, { now, batchSize: 1000 });
      expect(result).toMatchObject({ deleted: 2500, batches: 3, stoppedEarly: false, dryRun: false, expired: null });
      await expect(countRows(db, now)).resolves.toEqual({ expired: 0, live: 300 });
      const [row] = await db.sql("SELECT data, user_id FROM sessions WHERE id = ?", [live[1]]);
      expect(row).toEqual({ data: '{"cart":[]}', user_id: "user-1" });
    });

    it("judges rows Prisma wrote by their deadline to the millisecond: at `now` is expired", async () => {
      const prisma = new PrismaConnector(db.prisma);
      const row = (id: string, offsetMs: number): StoredSession => ({
        id,
        data: "{}",
        userId: null,
        version: 1,
        expiresAt: new Date(now.getTime() + offsetMs),
        absoluteExpiresAt: new Date(now.getTime() + HOUR),
        browserSession: false,
        createdAt: now,
        updatedAt: now,
        userAgent: null,
        clientAddress: null,
      });
      for (const [id, offset] of [
        ["before", -1],
        ["at", 0],
        ["after", 1],
      ] as const) {
        await prisma.createSession(row(id, offset));
      }
      const { target } = await open();
      await expect(cleanupExpiredSessions(target, { now })).resolves.toMatchObject({ deleted: 2 });
      expect((await db.sql("SELECT id FROM sessions")).map((r) => r.id)).toEqual(["after"]);
    });

    it("an empty table takes one batch and deletes nothing", async () => {
      const { target } = await open();
      await expect(cleanupExpiredSessions(target, { now })).resolves.toMatchObject({
        deleted: 0,
        batches: 1,
        stoppedEarly: false,
      });
    });
  });

  describe("a session extended while cleanup runs survives", () => {
    it("between batches", async () => {
      const ids = await insertRows(db, 30, new Date(now.getTime() - MINUTE));
      const extended = ids.at(-1) ?? "";
      const { target } = await open();
      const result = await cleanupExpiredSessions(
        observed(target, (batch) =>
          batch === 1 ? setDeadline(db, extended, new Date(now.getTime() + HOUR)) : undefined,
        ),
        { now, batchSize: 10 },
      );
      expect(result.deleted).toBe(29);
      await expect(countRows(db, now)).resolves.toEqual({ expired: 0, live: 1 });
      expect(await db.sql("SELECT id FROM sessions")).toEqual([{ id: extended }]);
    });

    // SQLite has one writer at a time: an uncommitted extension holds the whole database, and the
    // delete sees the row either before or after it. PostgreSQL and MariaDB lock rows.
    if (provider !== "sqlite") {
      it("inside a batch: a row whose extension commits while the delete runs is not deleted", async () => {
        const [extended = ""] = await insertRows(db, 1, new Date(now.getTime() - MINUTE));
        await insertRows(db, 5, new Date(now.getTime() - MINUTE));
        const { target } = await open();
        const extension = await holdExtension(db, extended, new Date(now.getTime() + HOUR));
        const run = cleanupExpiredSessions(target, { now, batchSize: 100 });
        // PostgreSQL's delete may skip the locked row; otherwise it waits for it, then re-checks.
        await deleteWaitsOrSettles(db, run);
        await extension.commit();
        await expect(run).resolves.toMatchObject({ deleted: 5, stoppedEarly: false });
        expect(await db.sql("SELECT id FROM sessions")).toEqual([{ id: extended }]);
        await expect(countRows(db, now)).resolves.toEqual({ expired: 0, live: 1 });
      });
    }
  });

  describe("dry run", () => {
    it("counts the expired rows and deletes nothing", async () => {
      await insertRows(db, 1200, new Date(now.getTime() - HOUR));
      await insertRows(db, 100, new Date(now.getTime() + HOUR));
      const { target } = await open();
      await expect(cleanupExpiredSessions(target, { now, dryRun: true })).resolves.toMatchObject({
        deleted: 0,
        batches: 0,
        dryRun: true,
        expired: 1200,
        stoppedEarly: false,
      });
      await expect(countRows(db, now)).resolves.toEqual({ expired: 1200, live: 100 });
    });
  });

  describe("stopping early, between batches", () => {
    afterEach(() => {
      jest.useRealTimers();
    });

    it("at the maximum run time", async () => {
      await insertRows(db, 100, new Date(now.getTime() - HOUR));
      fakePerformance();
      const { target } = await open();
      const slow = observed(target, () => {
        jest.advanceTimersByTime(400);
      });
      const result = await cleanupExpiredSessions(slow, { now, batchSize: 10, maxRuntime: { seconds: 1 } });
      expect(result).toMatchObject({ deleted: 30, batches: 3, stoppedEarly: "max-runtime" });
      expect(result.elapsedMs).toBeGreaterThanOrEqual(1000);
      await expect(countRows(db, now)).resolves.toEqual({ expired: 70, live: 0 });
    });

    it("when the signal aborts", async () => {
      await insertRows(db, 100, new Date(now.getTime() - HOUR));
      const { target } = await open();
      const controller = new AbortController();
      const aborting = observed(target, (batch) => (batch === 2 ? controller.abort() : undefined));
      const result = await cleanupExpiredSessions(aborting, { now, batchSize: 10, signal: controller.signal });
      expect(result).toMatchObject({ deleted: 20, batches: 2, stoppedEarly: "aborted" });
      await expect(countRows(db, now)).resolves.toEqual({ expired: 80, live: 0 });
    });

    it("an already aborted signal runs nothing", async () => {
      await insertRows(db, 10, new Date(now.getTime() - HOUR));
      const { target } = await open();
      const result = await cleanupExpiredSessions(target, { now, signal: AbortSignal.abort() });
      expect(result).toMatchObject({ deleted: 0, batches: 0, stoppedEarly: "aborted" });
      await expect(countRows(db, now)).resolves.toEqual({ expired: 10, live: 0 });
    });
  });

  describe("two runners at once", () => {
    it("share the work without errors and leave no expired row", async () => {
      await insertRows(db, 3000, new Date(now.getTime() - HOUR));
      await insertRows(db, 200, new Date(now.getTime() + HOUR));
      const [first, second] = [await open(), await open()];
      const results = await Promise.all([
        cleanupExpiredSessions(first.target, { now, batchSize: 100 }),
        cleanupExpiredSessions(second.target, { now, batchSize: 100 }),
      ]);
      expect(results.map((result) => result.stoppedEarly)).toEqual([false, false]);
      expect(results[0].deleted + results[1].deleted).toBe(3000);
      await expect(countRows(db, now)).resolves.toEqual({ expired: 0, live: 200 });
    });

    if (provider === "sqlite") {
      it("the lock is granted to both: SQLite runs one writer at a time anyway", async () => {
        const [first, second] = [await open(), await open()];
        const held = await first.lock.tryAcquire();
        await expect(second.lock.tryAcquire()).resolves.not.toBeNull();
        await held?.release();
      });
    } else {
      it("with the lock, the second runner stops at once and deletes nothing", async () => {
        await insertRows(db, 50, new Date(now.getTime() - HOUR));
        const [first, second] = [await open(), await open()];
        const held = await first.lock.tryAcquire();
        expect(held).not.toBeNull();
        const skipped = await cleanupExpiredSessions(second.target, { now, lock: second.lock });
        expect(skipped).toMatchObject({ deleted: 0, batches: 0, stoppedEarly: "locked" });
        await expect(countRows(db, now)).resolves.toEqual({ expired: 50, live: 0 });
        await held?.release();
        const ran = await cleanupExpiredSessions(second.target, { now, lock: second.lock });
        expect(ran).toMatchObject({ deleted: 50, stoppedEarly: false });
        // Released again at the end: the first runner gets it back.
        const again = await first.lock.tryAcquire();
        expect(again).not.toBeNull();
        await again?.release();
      });
    }
  });
});

/** Fakes only `performance` (the run-time clock): the drivers keep their real timers and Date. */
function fakePerformance(): void {
  fakeOnly(["performance"]);
}
