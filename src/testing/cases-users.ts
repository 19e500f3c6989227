// Conformance cases: per-user listing and log-out-everywhere.
// Like the rest of the suite, these use the test runner's globals (describe, it, expect).
import type { ConformanceContext } from "./conformance-types.js";
import { DAY, HOUR, makeRow, newId, shift, summaryOf } from "./fixtures.js";

/** Registers the cases; `ctx` reaches the connector under test. */
export function describeUserCases(ctx: ConformanceContext): void {
  const { connector, stored, countStored, seed } = ctx;
  describe("listUserSessions", () => {
    it("returns only that user's rows live at `now`, oldest first, without data", async () => {
      const base = new Date();
      const now = shift(base, 5 * DAY);
      const userId = `user-${newId()}`;
      const oldest = makeRow({ userId, createdAt: shift(base, -3 * HOUR) });
      const newest = makeRow({ userId, createdAt: shift(base, -1 * HOUR), browserSession: true });
      const middle = makeRow({ userId, createdAt: shift(base, -2 * HOUR), version: 4 });
      const expired = makeRow({ userId, createdAt: shift(base, -4 * HOUR), expiresAt: shift(base, 3 * DAY) });
      const endsNow = makeRow({ userId, createdAt: shift(base, -5 * HOUR), expiresAt: now });
      const otherUser = makeRow({ userId: `user-${newId()}`, createdAt: shift(base, -6 * HOUR) });
      const anonymous = makeRow({ createdAt: shift(base, -7 * HOUR) });
      await seed(oldest, newest, middle, expired, endsNow, otherUser, anonymous);

      const listed = await connector().listUserSessions(userId, now);
      expect(listed).toEqual([oldest, middle, newest].map(summaryOf));
      for (const summary of listed) expect(summary).not.toHaveProperty("data");
    });

    it("orders sessions created in the same millisecond by id, so the order is stable", async () => {
      const userId = `user-${newId()}`;
      const createdAt = new Date();
      const rows = [makeRow({ userId, createdAt }), makeRow({ userId, createdAt }), makeRow({ userId, createdAt })];
      await seed(...rows);
      const byId = [...rows].sort((a, b) => (a.id < b.id ? -1 : 1));
      await expect(connector().listUserSessions(userId, new Date())).resolves.toEqual(byId.map(summaryOf));
    });

    it("matches userId exactly: a different case or a trailing space is another user", async () => {
      const userId = `User-${newId()}`;
      const mine = makeRow({ userId });
      const lookalikes = [makeRow({ userId: userId.toLowerCase() }), makeRow({ userId: `${userId} ` })];
      await seed(mine, ...lookalikes);
      await expect(connector().listUserSessions(userId, new Date())).resolves.toEqual([summaryOf(mine)]);
    });

    it("returns an empty list for a user without sessions", async () => {
      await expect(connector().listUserSessions(`user-${newId()}`, new Date())).resolves.toEqual([]);
    });
  });

  describe("destroyUserSessions", () => {
    it("deletes every row of the user, returns how many, and leaves other rows alone", async () => {
      const userId = `user-${newId()}`;
      const mine = [
        makeRow({ userId }),
        makeRow({ userId }),
        makeRow({ userId, expiresAt: shift(new Date(), 3 * DAY) }),
      ];
      const otherUser = makeRow({ userId: `user-${newId()}` });
      const anonymous = makeRow();
      await seed(...mine, otherUser, anonymous);

      await expect(connector().destroyUserSessions(userId)).resolves.toBe(3);
      await expect(countStored(mine.map((row) => row.id))).resolves.toBe(0);
      await expect(stored(otherUser.id)).resolves.toEqual(otherUser);
      await expect(stored(anonymous.id)).resolves.toEqual(anonymous);
    });

    it("keeps exceptId and deletes the user's other rows", async () => {
      const userId = `user-${newId()}`;
      const [first, kept, last] = [makeRow({ userId }), makeRow({ userId }), makeRow({ userId })];
      const otherUser = makeRow({ userId: `user-${newId()}` });
      await seed(first, kept, last, otherUser);

      await expect(connector().destroyUserSessions(userId, kept.id)).resolves.toBe(2);
      await expect(countStored([first.id, last.id])).resolves.toBe(0);
      await expect(stored(kept.id)).resolves.toEqual(kept);
      await expect(stored(otherUser.id)).resolves.toEqual(otherUser);
    });

    it("matches userId exactly: a different case or a trailing space is another user", async () => {
      const userId = `User-${newId()}`;
      const mine = makeRow({ userId });
      const lookalikes = [makeRow({ userId: userId.toLowerCase() }), makeRow({ userId: `${userId} ` })];
      await seed(mine, ...lookalikes);
      await expect(connector().destroyUserSessions(userId)).resolves.toBe(1);
      for (const row of lookalikes) await expect(stored(row.id)).resolves.toEqual(row);
    });

    it("returns 0 for a user without sessions", async () => {
      await expect(connector().destroyUserSessions(`user-${newId()}`)).resolves.toBe(0);
    });

    it("ends all of a user's 230 sessions (more than one statement's worth of ids) but exceptId", async () => {
      const userId = `user-${newId()}`;
      const [kept, ...rest] = Array.from({ length: 230 }, () => makeRow({ userId }));
      const otherUser = makeRow({ userId: `user-${newId()}` });
      if (kept === undefined) throw new Error("no rows");
      await seed(kept, ...rest, otherUser);

      await expect(connector().destroyUserSessions(userId, kept.id)).resolves.toBe(229);
      await expect(countStored(rest.map((row) => row.id))).resolves.toBe(0);
      await expect(stored(kept.id)).resolves.toEqual(kept);
      await expect(stored(otherUser.id)).resolves.toEqual(otherUser);
    });
  });
}
