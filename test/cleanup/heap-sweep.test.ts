// PostgreSQL's server-side cleanup sweeping the heap in physical order when many expired rows are
// scattered over a large table: when it is chosen, that it resumes where it stopped, and, under
// writes between its calls (deadlines extended or expired, rows moved, inserted, deleted, space
// freed behind it), that a finished run leaves exactly the live rows.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { cleanupExpiredSessions } from "../../src/cleanup/cleanup.js";
import type { BatchCursor, BatchRun, CleanupTarget } from "../../src/connector.js";
import { openTestDatabase, providers, type TestDatabase } from "../support/databases.js";
import { countRows, HOUR, openServerTable, type ServerTable } from "./fixtures.js";

const describePostgres = providers.includes("postgresql") ? describe : describe.skip;
const DAY = 24 * HOUR;

const isHeapPosition = (from: BatchCursor | null) => from !== null && !(from instanceof Date);

describePostgres("PostgreSQL cleanup sweeping the heap", () => {
  let db: TestDatabase;
  let table: ServerTable;
  let close: () => Promise<void>;
  const now = new Date();
  const at = (offset: number) => `'${new Date(now.getTime() + offset).toISOString().slice(0, 23)}'::timestamp`;

  beforeAll(async () => {
    db = await openTestDatabase("postgresql");
    ({ table, close } = await openServerTable(db));
  });
  afterEach(() => db.exec("TRUNCATE sessions"));
  afterAll(async () => {
    await close();
    await db.close();
  });

  /**
   * `rows` sessions of about 400 bytes (about 150 heap pages for 3,000), a share `expired` of them
   * past their deadline: scattered over the heap by a hash of the row number, or in the order they
   * were written (`ordered`). Statistics are gathered (`analyze`), as autovacuum would.
   */
  async function fill(rows: number, expired: number, order: "scattered" | "ordered", seed = 1, analyze = true) {
    const u = order === "scattered" ? `((abs(hashint8extended(g, ${seed})) % 1000000) / 1e6)` : `(g::float8 / ${rows})`;
    const deadline = `${at(0)} + ((${u} - ${expired}) * interval '10 days') + CASE WHEN ${u} < ${expired} THEN interval '0' ELSE interval '1 second' END`;
    await db.exec(`INSERT INTO sessions (id, data, expires_at, absolute_expires_at)
      SELECT 'r' || g || '-${seed}', '{"pad":"' || repeat('x', 320) || '"}', ${deadline}, ${at(30 * DAY)}
      FROM generate_series(1, ${rows}) AS g`);
    if (analyze) await db.exec("ANALYZE sessions");
  }

  /** Calls until done, `budget` batches each; returns the calls' outcomes. */
  async function runToEnd(limit: number, batches: number, between?: (call: number) => Promise<void>) {
    const calls: BatchRun[] = [];
    let from: BatchCursor | null = null;
    for (;;) {
      const run = await table.deleteExpiredBatches(now, limit, { batches, ms: 60_000 }, from);
      calls.push(run);
      if (run.done) return calls;
      if (calls.length > 2000) throw new Error("the run does not end");
      from = run.from;
      await between?.(calls.length);
    }
  }

  it("sweeps a large heap with scattered expired rows, one position after the other, and ends on the index", async () => {
    await fill(3000, 0.5, "scattered");
    const expired = (await countRows(db, now)).expired;
    const calls = await runToEnd(100, 2);
    const positions = calls.map((call) => call.from).filter(isHeapPosition);
    expect(positions.length).toBeGreaterThanOrEqual(Math.floor(expired / 200) - 1);
    // Each call goes on after the last: the positions only move forward through the heap.
    const order = positions.map((position) => (position as { block: number; offset: number }).block);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(calls.reduce((sum, call) => sum + call.deleted, 0)).toBe(expired);
    await expect(countRows(db, now)).resolves.toEqual({ expired: 0, live: 3000 - expired });
  });

  it("ends the sweep where expired rows thin out, and walks the index for the rest", async () => {
    // 1,500 expired rows first on disk, then 8,000 rows of which one in a hundred is expired.
    const u = "((abs(hashint8extended(g, 3)) % 1000000) / 1e6)";
    const expired = `${at(-1000)} - ${u} * interval '1 day'`;
    const live = `${at(1000)} + ${u} * interval '10 days'`;
    await db.exec(`INSERT INTO sessions (id, data, expires_at, absolute_expires_at)
      SELECT 'r' || g, '{"pad":"' || repeat('x', 320) || '"}',
        CASE WHEN g <= 1500 OR g % 100 = 0 THEN ${expired} ELSE ${live} END, ${at(30 * DAY)}
      FROM generate_series(1, 9500) AS g`);
    await db.exec("ANALYZE sessions");
    const [size] = await db.sql("SELECT pg_relation_size('sessions') / 8192 AS pages");
    const pages = Number(size?.pages);
    const calls = await runToEnd(10, 1);
    const blocks = calls
      .map((call) => call.from)
      .filter(isHeapPosition)
      .map((position) => (position as { block: number }).block);
    // The sweep ran through the bunch of expired rows, then stopped well before the end of the heap.
    expect(blocks.length).toBeGreaterThan(50);
    expect(Math.max(...blocks)).toBeLessThan(pages / 2);
    expect(calls.at(-2)?.from).toBeInstanceOf(Date);
    await expect(countRows(db, now)).resolves.toEqual({ expired: 0, live: 9500 - 1500 - 80 });
  });

  it("walks the deadline index when deadlines follow the physical order", async () => {
    await fill(3000, 0.5, "ordered");
    const first = await table.deleteExpiredBatches(now, 100, { batches: 1, ms: 60_000 }, null);
    expect(first.from).toBeInstanceOf(Date);
  });

  it("walks the deadline index when few rows are expired", async () => {
    await fill(3000, 0.005, "scattered");
    const first = await table.deleteExpiredBatches(now, 5, { batches: 1, ms: 60_000 }, null);
    expect(first.from).toBeInstanceOf(Date);
  });

  it("walks the deadline index on a small table, and on a table without statistics", async () => {
    await fill(200, 0.5, "scattered");
    expect((await table.deleteExpiredBatches(now, 10, { batches: 1, ms: 60_000 }, null)).from).toBeInstanceOf(Date);
    await db.exec("TRUNCATE sessions");
    await fill(3000, 0.5, "scattered", 1, false);
    // No statistics (never analyzed): what the planner guesses is no ground for a sweep.
    await db.exec("DELETE FROM pg_statistic WHERE starelid = 'sessions'::regclass");
    expect((await table.deleteExpiredBatches(now, 10, { batches: 1, ms: 60_000 }, null)).from).toBeInstanceOf(Date);
  });

  it("through cleanupExpiredSessions: the same rows go as with the index walk", async () => {
    await fill(3000, 0.4, "scattered", 7);
    const expired = (await countRows(db, now)).expired;
    const result = await cleanupExpiredSessions(table, { now, batchSize: 50 });
    expect(result).toMatchObject({ deleted: expired, stoppedEarly: false });
    await expect(countRows(db, now)).resolves.toEqual({ expired: 0, live: 3000 - expired });
  });

  it("sessions extended while the sweep runs survive it, and every other expired row goes", async () => {
    await fill(3000, 0.5, "scattered", 11);
    const expiredIds = (await db.sql(`SELECT id FROM sessions WHERE expires_at <= ${at(0)} ORDER BY md5(id)`)).map(
      (row) => String(row.id),
    );
    const extended: string[] = [];
    let running = true;
    // A writer extends expired sessions one by one, as requests would, while the cleanup runs.
    const writer = (async () => {
      for (const id of expiredIds) {
        if (!running) break;
        const rows = await db.sql(
          `UPDATE sessions SET expires_at = ${at(DAY)}, data = data || ' ' WHERE id = ? AND expires_at <= ${at(0)} RETURNING id`,
          [id],
        );
        if (rows.length === 1) extended.push(id);
      }
    })();
    // Every delete statement takes 5 ms more, so the run spans several calls while the writer writes.
    await db.exec(
      "CREATE FUNCTION slow_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.005); RETURN NULL; END $$",
    );
    await db.exec(
      "CREATE TRIGGER slow_delete AFTER DELETE ON sessions FOR EACH STATEMENT EXECUTE FUNCTION slow_delete()",
    );
    let sweeps = 0;
    const counted: CleanupTarget = {
      deleteExpiredSessions: (...args) => table.deleteExpiredSessions(...args),
      countExpiredSessions: (...args) => table.countExpiredSessions(...args),
      currentTime: () => table.currentTime(),
      deleteExpiredBatches: async (...args) => {
        const run = await table.deleteExpiredBatches(...args);
        if (isHeapPosition(run.from)) sweeps += 1;
        return run;
      },
    };
    let result: Awaited<ReturnType<typeof cleanupExpiredSessions>>;
    try {
      result = await cleanupExpiredSessions(counted, { now, batchSize: 20 });
    } finally {
      running = false;
      await writer;
      await db.exec("DROP TRIGGER slow_delete ON sessions");
      await db.exec("DROP FUNCTION slow_delete()");
    }
    expect(result.stoppedEarly).toBe(false);
    expect(sweeps).toBeGreaterThan(0);
    expect(extended.length).toBeGreaterThan(0);
    const left = new Set((await db.sql("SELECT id FROM sessions")).map((row) => String(row.id)));
    expect(extended.filter((id) => !left.has(id))).toEqual([]);
    await expect(countRows(db, now)).resolves.toEqual({ expired: 0, live: 3000 - expiredIds.length + extended.length });
  });

  /** A write between two calls of a run: what it does to the table, and the ids it touched. */
  type Write =
    | { kind: "extend" | "expire" | "touch" | "delete"; count: number; salt: number }
    | { kind: "insert"; count: number; expired: boolean; salt: number }
    | { kind: "vacuum" };

  const write: fc.Arbitrary<Write> = fc.oneof(
    fc.record({
      kind: fc.constantFrom("extend" as const, "expire" as const, "touch" as const, "delete" as const),
      count: fc.integer({ min: 1, max: 60 }),
      salt: fc.nat(),
    }),
    fc.record({
      kind: fc.constant("insert" as const),
      count: fc.integer({ min: 1, max: 60 }),
      expired: fc.boolean(),
      salt: fc.nat(),
    }),
    fc.constant({ kind: "vacuum" as const }),
  );

  /** Applies a write; returns the rows it left as (id, live) pairs, and the ids it deleted. */
  async function apply(w: Write, step: number): Promise<{ set: [string, boolean][]; gone: string[] }> {
    const pick = (live: boolean, count: number, salt: number) =>
      `SELECT id FROM sessions WHERE expires_at ${live ? ">" : "<="} ${at(0)} ORDER BY md5(id || '${salt}') LIMIT ${count}`;
    const ids = (rows: Record<string, unknown>[]) => rows.map((row) => String(row.id));
    switch (w.kind) {
      case "vacuum":
        await db.exec("VACUUM sessions");
        return { set: [], gone: [] };
      case "extend": {
        const rows = await db.sql(
          `UPDATE sessions SET expires_at = ${at(DAY)} WHERE id IN (${pick(false, w.count, w.salt)}) RETURNING id`,
        );
        return { set: ids(rows).map((id) => [id, true]), gone: [] };
      }
      case "expire": {
        const rows = await db.sql(
          `UPDATE sessions SET expires_at = ${at(-HOUR)} WHERE id IN (${pick(true, w.count, w.salt)}) RETURNING id`,
        );
        return { set: ids(rows).map((id) => [id, false]), gone: [] };
      }
      case "touch": {
        // A new version of an expired row, its deadline unchanged: wherever the heap has room.
        const rows = await db.sql(
          `UPDATE sessions SET data = data || ' ' WHERE id IN (${pick(false, w.count, w.salt)}) RETURNING id`,
        );
        return { set: ids(rows).map((id) => [id, false]), gone: [] };
      }
      case "delete": {
        const rows = await db.sql(
          `DELETE FROM sessions WHERE id IN (${pick(w.salt % 2 === 0, w.count, w.salt)}) RETURNING id`,
        );
        return { set: [], gone: ids(rows) };
      }
      case "insert": {
        const rows = await db.sql(`INSERT INTO sessions (id, data, expires_at, absolute_expires_at)
          SELECT 'w${step}-' || g || '-${w.salt}', '{}', ${w.expired ? at(-HOUR) : at(DAY)}, ${at(30 * DAY)}
          FROM generate_series(1, ${w.count}) AS g RETURNING id`);
        return { set: ids(rows).map((id) => [id, !w.expired]), gone: [] };
      }
    }
  }

  it("a finished run leaves exactly the live rows, whatever was written between its calls", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.integer({ min: 1, max: 1_000_000 }),
          expired: fc.double({ min: 0.3, max: 0.9, noNaN: true }),
          // At most 300 rows a call, fewer than the expired ones: the first call ends inside the sweep.
          limit: fc.constantFrom(40, 100),
          batches: fc.integer({ min: 1, max: 3 }),
          writes: fc.array(write, { maxLength: 12 }),
        }),
        async ({ seed, expired, limit, batches, writes }) => {
          await db.exec("TRUNCATE sessions");
          await fill(2500, expired, "scattered", seed);
          // The model: every row's id and whether its deadline is after now.
          const model = new Map<string, boolean>();
          for (const row of await db.sql(`SELECT id, expires_at > ${at(0)} AS live FROM sessions`))
            model.set(String(row.id), row.live === true);
          const calls = await runToEnd(limit, batches, async (call) => {
            const w = writes[call - 1];
            if (w === undefined) return;
            const { set, gone } = await apply(w, call);
            for (const [id, live] of set) model.set(id, live);
            for (const id of gone) model.delete(id);
          });
          // The run swept the heap (else this tests the index walk again).
          expect(calls.some((call) => isHeapPosition(call.from))).toBe(true);
          const left = (await db.sql("SELECT id FROM sessions")).map((row) => String(row.id)).sort();
          const live = [...model]
            .filter(([, isLive]) => isLive)
            .map(([id]) => id)
            .sort();
          expect(left).toEqual(live);
        },
      ),
      { numRuns: 12 },
    );
  });
});
