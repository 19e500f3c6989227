// Conformance cases: reading and writing one row (get, create, compare-and-swap, markers, clock, touch, destroy, races).
// Like the rest of the suite, these use the test runner's globals (describe, it, expect).
import type { StoredSession } from "../connector.js";
import type { ConformanceContext } from "./conformance-types.js";
import { CONCURRENCY, DAY, HOUR, MINUTE, makeRow, makeWrite, newId, shift, withMillis } from "./fixtures.js";

/** Registers the cases; `ctx` reaches the connector under test. */
export function describeRowCases(ctx: ConformanceContext): void {
  const { connector, stored, changingRowCountBy, seed } = ctx;
  describe("getSession", () => {
    it("returns null for an id that was never stored", async () => {
      await expect(connector().getSession(newId())).resolves.toBeNull();
    });

    it("returns an anonymous row exactly as created: null userId, true flag, ms-exact dates, quotes, newlines, unicode", async () => {
      const base = new Date();
      const row = makeRow({
        data:
          JSON.stringify({ text: `It's "quoted" \`back\` \\ slash\nline\r\n\ttab; DROP TABLE sessions;--` }) +
          "\nžluťoučký 😀 日本語 ",
        userId: null,
        version: 3,
        browserSession: true,
        expiresAt: withMillis(shift(base, 10 * DAY), 123),
        absoluteExpiresAt: withMillis(shift(base, 20 * DAY), 456),
        createdAt: withMillis(shift(base, -HOUR), 7),
        updatedAt: withMillis(shift(base, -MINUTE), 999),
      });
      await seed(row);
      await expect(connector().getSession(row.id)).resolves.toEqual(row);
      await expect(stored(row.id)).resolves.toEqual(row);
    });

    it("returns a signed-in row with about 60 KB of data exactly as created", async () => {
      const row = makeRow({
        data: JSON.stringify({ blob: "ab€😀\n".repeat(10_000) }),
        userId: `user-${newId()}`,
        browserSession: false,
      });
      expect(Buffer.byteLength(row.data)).toBeGreaterThan(60_000);
      await seed(row);
      await expect(connector().getSession(row.id)).resolves.toEqual(row);
      await expect(stored(row.id)).resolves.toEqual(row);
    });

    it("answers 230 loads asked for at once (more than one statement's worth of ids), each with its own row or null", async () => {
      const rows = Array.from({ length: 200 }, () => makeRow({ userId: `user-${newId()}` }));
      await seed(...rows);
      const unknown = Array.from({ length: 30 }, () => newId());
      const ids = [...rows.map((row) => row.id), ...unknown].sort();
      const loaded = await Promise.all(ids.map((id) => connector().getSession(id)));
      const expected = new Map(rows.map((row) => [row.id, row]));
      expect(loaded).toEqual(ids.map((id) => expected.get(id) ?? null));
    });
  });

  describe("createSession", () => {
    it("returns false for a taken id and leaves the stored row as it was", async () => {
      const row = makeRow();
      await seed(row);
      const intruder = makeRow({ id: row.id, data: '{"intruder":true}', userId: "intruder", version: 9 });
      const created = await changingRowCountBy(0, () => connector().createSession(intruder));
      expect(created).toBe(false);
      await expect(stored(row.id)).resolves.toEqual(row);
    });
  });

  describe("updateSession (compare-and-swap)", () => {
    it("with the expected version applies every column of the write and sets version to expected + 1", async () => {
      const row = makeRow({ version: 4, createdAt: withMillis(shift(new Date(), -HOUR), 5) });
      const write = makeWrite();
      await seed(row);
      await expect(connector().updateSession(row.id, 4, write)).resolves.toBe(true);
      const expected: StoredSession = { ...row, ...write, version: 5 };
      await expect(stored(row.id)).resolves.toEqual(expected);
      await expect(connector().getSession(row.id)).resolves.toEqual(expected);
    });

    it("can set userId back to null", async () => {
      const row = makeRow({ userId: `user-${newId()}` });
      await seed(row);
      await expect(connector().updateSession(row.id, 1, makeWrite({ userId: null }))).resolves.toBe(true);
      await expect(stored(row.id)).resolves.toMatchObject({ userId: null, version: 2 });
    });

    it("with a stale version (lower or higher) returns false and changes nothing", async () => {
      const row = makeRow({ version: 2 });
      await seed(row);
      await expect(connector().updateSession(row.id, 1, makeWrite())).resolves.toBe(false);
      await expect(connector().updateSession(row.id, 3, makeWrite())).resolves.toBe(false);
      await expect(stored(row.id)).resolves.toEqual(row);
    });

    it("of a missing row returns false and creates nothing", async () => {
      const id = newId();
      await expect(connector().updateSession(id, 1, makeWrite())).resolves.toBe(false);
      await expect(stored(id)).resolves.toBeNull();
    });
  });

  describe("rotation markers (rows whose data is empty)", () => {
    it("are stored and returned like any row: an update to empty data, then getSession", async () => {
      const row = makeRow({ version: 4, userId: "ann" });
      const marker = makeWrite({ data: "", userId: null });
      await seed(row);
      await expect(connector().updateSession(row.id, 4, marker)).resolves.toBe(true);
      await expect(stored(row.id)).resolves.toEqual({ ...row, ...marker, version: 5 });
      await expect(connector().getSession(row.id)).resolves.toEqual({ ...row, ...marker, version: 5 });
      expect(await connector().listUserSessions("ann", new Date())).toEqual([]);
    });
  });

  describe("currentTime", () => {
    it("is the storage's clock: a valid Date close to this machine's (the test database is local)", async () => {
      const before = Date.now();
      const now = await connector().currentTime();
      expect(now).toBeInstanceOf(Date);
      expect(Math.abs(now.getTime() - before)).toBeLessThan(5_000);
    });
  });

  describe("touchSession", () => {
    it("extends a live row whose deadline is before the new one, changing only expiresAt and updatedAt", async () => {
      const base = new Date();
      const row = makeRow({ version: 3, expiresAt: withMillis(shift(base, 10 * DAY), 11) });
      const expiresAt = withMillis(shift(base, 20 * DAY), 22);
      const now = withMillis(shift(base, 5 * DAY), 33);
      await seed(row);
      await expect(connector().touchSession(row.id, expiresAt, now)).resolves.toBe(true);
      await expect(stored(row.id)).resolves.toEqual({ ...row, expiresAt, updatedAt: now });
    });

    it("with a client, also records where the session was seen from (user agent, address)", async () => {
      const base = new Date();
      const row = makeRow({ expiresAt: shift(base, 10 * DAY), userAgent: "old agent", clientAddress: "198.51.100.0" });
      const expiresAt = shift(base, 20 * DAY);
      const now = shift(base, 5 * DAY);
      const client = { userAgent: "new agent", address: null };
      await seed(row);
      await expect(connector().touchSession(row.id, expiresAt, now, client)).resolves.toBe(true);
      await expect(stored(row.id)).resolves.toEqual({
        ...row,
        expiresAt,
        updatedAt: now,
        userAgent: "new agent",
        clientAddress: null,
      });
    });

    it("does not move a deadline that is already at or after the new one", async () => {
      const base = new Date();
      const row = makeRow({ expiresAt: shift(base, 20 * DAY) });
      const now = shift(base, 5 * DAY);
      await seed(row);
      await expect(connector().touchSession(row.id, shift(base, 10 * DAY), now)).resolves.toBe(false);
      await expect(connector().touchSession(row.id, row.expiresAt, now)).resolves.toBe(false);
      await expect(stored(row.id)).resolves.toEqual(row);
    });

    it("does not revive a row whose deadline has passed or is exactly now", async () => {
      const base = new Date();
      const row = makeRow({ expiresAt: shift(base, 10 * DAY) });
      const expiresAt = shift(base, 20 * DAY);
      await seed(row);
      await expect(connector().touchSession(row.id, expiresAt, shift(base, 15 * DAY))).resolves.toBe(false);
      await expect(connector().touchSession(row.id, expiresAt, row.expiresAt)).resolves.toBe(false);
      await expect(stored(row.id)).resolves.toEqual(row);
    });

    it("returns false for a missing row and creates nothing", async () => {
      const id = newId();
      const base = new Date();
      await expect(connector().touchSession(id, shift(base, 20 * DAY), base)).resolves.toBe(false);
      await expect(stored(id)).resolves.toBeNull();
    });
  });

  describe("destroySession", () => {
    it("deletes the row, and is idempotent: a second call and a missing id resolve without error", async () => {
      const row = makeRow();
      await seed(row);
      await changingRowCountBy(-1, () => expect(connector().destroySession(row.id)).resolves.toBeUndefined());
      await expect(connector().destroySession(row.id)).resolves.toBeUndefined();
      await expect(connector().destroySession(newId())).resolves.toBeUndefined();
      await expect(stored(row.id)).resolves.toBeNull();
      await expect(connector().getSession(row.id)).resolves.toBeNull();
    });
  });

  describe("concurrent writers", () => {
    it(`of ${CONCURRENCY} concurrent updates expecting the same version, exactly one applies`, async () => {
      const row = makeRow({ version: 2 });
      const writes = Array.from({ length: CONCURRENCY }, (_, i) => makeWrite({ data: `{"writer":${i}}` }));
      await seed(row);

      const results = await Promise.all(writes.map((write) => connector().updateSession(row.id, 2, write)));
      expect(results.filter((applied) => applied)).toHaveLength(1);
      const winner = writes[results.indexOf(true)];
      await expect(stored(row.id)).resolves.toEqual({ ...row, ...winner, version: 3 });
    });

    it(`of ${CONCURRENCY} concurrent creates of one id, exactly one succeeds and none throws`, async () => {
      const id = newId();
      const rows = Array.from({ length: CONCURRENCY }, (_, i) => makeRow({ id, data: `{"creator":${i}}` }));

      const results = await changingRowCountBy(1, () => Promise.all(rows.map((row) => connector().createSession(row))));
      expect(results.filter((created) => created)).toHaveLength(1);
      await expect(stored(id)).resolves.toEqual(rows[results.indexOf(true)]);
    });
  });
}
