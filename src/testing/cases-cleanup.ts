// Conformance cases: cleanup batches, ties, resuming, dry runs, bad limits.
// Like the rest of the suite, these use the test runner's globals (describe, it, expect).
import type { ConformanceContext } from "./conformance-types.js";
import { DAY, HOUR, makeRow, newId, shift, withMillis } from "./fixtures.js";

/** Registers the cases; `ctx` reaches the connector under test. */
export function describeCleanupCases(ctx: ConformanceContext): void {
  const { connector, stored, countStored, deletedBy, withEarlyRows } = ctx;
  describe("deleteExpiredSessions", () => {
    it("deletes the rows whose deadline is at or before now, returns how many, and leaves live rows", async () => {
      const base = new Date();
      const now = shift(base, DAY);
      const expired = [
        makeRow({ expiresAt: shift(base, HOUR) }),
        makeRow({ expiresAt: now, userId: `user-${newId()}` }),
      ];
      const live = [makeRow({ expiresAt: shift(now, 1) }), makeRow()];
      await withEarlyRows([...expired, ...live], async () => {
        await expect(deletedBy(now, 100)).resolves.toBe(2);
        await expect(countStored(expired.map((row) => row.id))).resolves.toBe(0);
        for (const row of live) await expect(stored(row.id)).resolves.toEqual(row);
      });
    });

    it("deletes at most `limit` rows per call", async () => {
      const base = new Date();
      const now = shift(base, DAY);
      const expired = [1, 2, 3, 4, 5].map((hours) => makeRow({ expiresAt: shift(base, hours * HOUR) }));
      const ids = expired.map((row) => row.id);
      await withEarlyRows(expired, async () => {
        await expect(deletedBy(now, 2)).resolves.toBe(2);
        await expect(countStored(ids)).resolves.toBe(3);
        await expect(deletedBy(now, 2)).resolves.toBe(2);
        await expect(countStored(ids)).resolves.toBe(1);
        await expect(deletedBy(now, 2)).resolves.toBe(1);
        await expect(deletedBy(now, 2)).resolves.toBe(0);
        await expect(countStored(ids)).resolves.toBe(0);
      });
    });
  });

  describe("deleteExpiredSessions reports where a run may resume", () => {
    it("`last` is null or the deadline of a deleted row no earlier than any other it deleted; chained batches delete every expired row", async () => {
      const base = new Date();
      const now = shift(base, DAY);
      const rows = [1, 2, 3, 4, 5, 6, 7].map((hours) =>
        makeRow({ expiresAt: withMillis(shift(base, hours * HOUR), 3) }),
      );
      await withEarlyRows(rows, async () => {
        let from: Date | null = null;
        let total = 0;
        for (let call = 0; call < 5; call += 1) {
          const before = await Promise.all(rows.map(async (row) => (await stored(row.id)) !== null));
          const batch = await connector().deleteExpiredSessions(now, 3, from);
          total += batch.deleted;
          if (batch.last !== null) {
            const gone = rows
              .filter((_row, index) => before[index])
              .filter((row) => row.expiresAt <= (batch.last as Date));
            expect(gone.some((row) => row.expiresAt.getTime() === batch.last?.getTime())).toBe(true);
          }
          from = batch.last ?? from;
        }
        expect(total).toBe(rows.length);
        await expect(countStored(rows.map((row) => row.id))).resolves.toBe(0);
      });
    });
  });

  describe("deleteExpiredSessions batches where deadlines tie", () => {
    // A batch may be cut at the `limit`-th deadline; rows sharing it must neither be skipped
    // (a short batch ends a cleanup run) nor all go at once (a batch is bounded).
    // Batches of one run, as the cleanup engine chains them: each starts at the previous `last`.
    const calls = async (now: Date, limit: number, times: number): Promise<number[]> => {
      const counts: number[] = [];
      let from: Date | null = null;
      for (let call = 0; call < times; call += 1) {
        const batch = await connector().deleteExpiredSessions(now, limit, from);
        counts.push(batch.deleted);
        from = batch.last ?? from;
      }
      return counts;
    };

    it("rows that all share one deadline go `limit` at a time", async () => {
      const base = new Date();
      const rows = [1, 2, 3, 4, 5].map(() => makeRow({ expiresAt: withMillis(shift(base, HOUR), 7) }));
      await withEarlyRows(rows, async () => {
        await expect(calls(shift(base, DAY), 2, 4)).resolves.toEqual([2, 2, 1, 0]);
        await expect(countStored(rows.map((row) => row.id))).resolves.toBe(0);
      });
    });

    it("a deadline shared across the batch boundary: full batches, oldest first", async () => {
      const base = new Date();
      const [first, ...rest] = [1, 2, 2, 2, 3].map((hours) => makeRow({ expiresAt: shift(base, hours * HOUR) }));
      if (first === undefined) throw new Error("no rows");
      await withEarlyRows([first, ...rest], async () => {
        const now = shift(base, DAY);
        await expect(deletedBy(now, 2)).resolves.toBe(2);
        await expect(stored(first.id)).resolves.toBeNull();
        await expect(calls(now, 2, 3)).resolves.toEqual([2, 1, 0]);
        await expect(countStored(rest.map((row) => row.id))).resolves.toBe(0);
      });
    });

    it("deadlines a millisecond apart are told apart at the boundary", async () => {
      const base = withMillis(shift(new Date(), HOUR), 500);
      const rows = [0, 1, 2].map((ms) => makeRow({ expiresAt: shift(base, ms) }));
      await withEarlyRows(rows, async () => {
        await expect(deletedBy(shift(base, DAY), 2)).resolves.toBe(2);
        await expect(countStored(rows.map((row) => row.id))).resolves.toBe(1);
        await expect(stored(rows[2]?.id ?? "")).resolves.toEqual(rows[2]);
      });
    });
  });

  describe("countExpiredSessions", () => {
    it("counts the rows whose deadline is at or before now, and only those", async () => {
      const base = new Date();
      const now = shift(base, DAY);
      const expired = [makeRow({ expiresAt: shift(base, HOUR) }), makeRow({ expiresAt: now })];
      await withEarlyRows([...expired, makeRow({ expiresAt: shift(now, 1) })], async () => {
        await expect(connector().countExpiredSessions(now)).resolves.toBe(2);
        await expect(connector().countExpiredSessions(base)).resolves.toBe(0);
      });
    });
  });

  describe("limits that are not positive integers", () => {
    it.each([0, -1, 1.5, Number.NaN])("deleteExpiredSessions with limit %p deletes nothing", async (limit) => {
      const base = new Date();
      const row = makeRow({ expiresAt: shift(base, HOUR) });
      await withEarlyRows([row], async () => {
        await expect(deletedBy(shift(base, DAY), limit)).resolves.toBe(0);
        await expect(stored(row.id)).resolves.toEqual(row);
      });
    });
  });
}
