import { randomBytes } from "node:crypto";
// The suite uses the test runner's globals (describe, it, expect, beforeAll, afterAll) rather
// than importing @jest/globals, so this module loads anywhere and works under Jest or under
// Vitest with `globals: true`.
import type { SessionConnector, SessionSummary, SessionWrite, StoredSession } from "../connector.js";

/** The snake_case columns of the reference `sessions` table. */
export type RawColumn =
  | "id"
  | "data"
  | "user_id"
  | "version"
  | "expires_at"
  | "absolute_expires_at"
  | "browser_session"
  | "created_at"
  | "updated_at";

/**
 * One stored row with its column values exactly as the database driver returns them: dates as
 * `Date`, ISO text or epoch milliseconds; booleans as `boolean`, `0`/`1` or `"0"`/`"1"`; integers as
 * `number`, `bigint` or numeric text. The suite normalises them. A driver's row object
 * (`Record<string, unknown>`) is accepted as it is; a column missing from it fails the test.
 */
export type RawRow = { readonly [C in RawColumn]?: unknown };

/**
 * Reads stored state without going through the connector under test, so the suite can check what
 * was really written (raw SQL for a database).
 */
export interface StoredStateInspector {
  /** The row with this id, all columns; `null` when there is none. */
  readRow(id: string): Promise<RawRow | null>;
  /** How many rows the store holds in total. The suite only compares it before and after a step. */
  countRows(): Promise<number>;
}

/** What {@link describeConnectorConformance} tests: a connector and, ideally, a way to see its rows. */
export interface ConformanceTarget {
  connector: SessionConnector;
  /** Direct access to stored state. Without it the suite checks stored state through `getSession`. */
  inspect?: StoredStateInspector;
  /** Called once after the last case (disconnect, drop the temporary database, …). */
  close?: () => Promise<void>;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const CONCURRENCY = 20;

// Timing convention that keeps the cases independent of each other's rows: every row a case leaves
// behind expires at least two days after that case started. Only the deleteExpiredSessions cases
// use earlier deadlines (`now + 1 day` is their "now"), and they remove every row they create.

function newId(): string {
  return randomBytes(32).toString("hex");
}

function shift(date: Date, ms: number): Date {
  return new Date(date.getTime() + ms);
}

/** A copy of `date` with a non-zero millisecond part, so a connector that drops milliseconds fails. */
function withMillis(date: Date, ms: number): Date {
  const copy = new Date(date);
  copy.setUTCMilliseconds(ms);
  return copy;
}

/** A valid row: JSON data, version 1, no user, deadlines 30 and 60 days away. */
function makeRow(overrides: Partial<StoredSession> = {}): StoredSession {
  const now = new Date();
  return {
    id: newId(),
    data: JSON.stringify({ cart: ["apple"], visits: 1 }),
    userId: null,
    version: 1,
    expiresAt: shift(now, 30 * DAY),
    absoluteExpiresAt: shift(now, 60 * DAY),
    browserSession: false,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

/** A write that changes every column of a {@link makeRow} row. */
function makeWrite(overrides: Partial<SessionWrite> = {}): SessionWrite {
  const now = new Date();
  return {
    data: JSON.stringify({ cart: ["apple", "pear"], visits: 2 }),
    userId: `user-${newId()}`,
    expiresAt: withMillis(shift(now, 40 * DAY), 321),
    absoluteExpiresAt: withMillis(shift(now, 70 * DAY), 654),
    browserSession: true,
    updatedAt: withMillis(shift(now, MINUTE), 987),
    ...overrides,
  };
}

function summaryOf({ data: _data, ...rest }: StoredSession): SessionSummary {
  return rest;
}

function column(raw: RawRow, name: RawColumn): unknown {
  if (!(name in raw)) throw new TypeError(`readRow() returned no "${name}" column`);
  return raw[name];
}

function unreadable(name: RawColumn, value: unknown, as: string): TypeError {
  return new TypeError(`column "${name}": cannot read ${String(value)} as ${as}`);
}

function toText(raw: RawRow, name: RawColumn): string {
  const value = column(raw, name);
  if (typeof value !== "string") throw unreadable(name, value, "text");
  return value;
}

function toInteger(raw: RawRow, name: RawColumn): number {
  const value = column(raw, name);
  const number = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof number === "bigint") return Number(number);
  if (typeof number !== "number" || !Number.isInteger(number)) throw unreadable(name, value, "an integer");
  return number;
}

function toBoolean(raw: RawRow, name: RawColumn): boolean {
  const value = column(raw, name);
  if (typeof value === "boolean") return value;
  if (value === 1 || value === 1n || value === "1" || value === "true") return true;
  if (value === 0 || value === 0n || value === "0" || value === "false") return false;
  throw unreadable(name, value, "a boolean");
}

function toDate(raw: RawRow, name: RawColumn): Date {
  const value = column(raw, name);
  let date: Date | undefined;
  if (value instanceof Date) date = value;
  else if (typeof value === "number" || typeof value === "bigint") date = new Date(Number(value));
  else if (typeof value === "string") {
    // Text without a zone (SQLite, MySQL) holds UTC: Prisma writes UTC.
    const iso = value.replace(" ", "T");
    date = /^\d+$/.test(value) ? new Date(Number(value)) : new Date(/Z|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
  }
  if (date === undefined || Number.isNaN(date.getTime())) throw unreadable(name, value, "a date");
  return date;
}

/** The row in the connector's terms, each column normalised from whatever the driver returned. */
function fromRawRow(raw: RawRow): StoredSession {
  const userId = column(raw, "user_id");
  return {
    id: toText(raw, "id"),
    data: toText(raw, "data"),
    userId: userId === null ? null : toText(raw, "user_id"),
    version: toInteger(raw, "version"),
    expiresAt: toDate(raw, "expires_at"),
    absoluteExpiresAt: toDate(raw, "absolute_expires_at"),
    browserSession: toBoolean(raw, "browser_session"),
    createdAt: toDate(raw, "created_at"),
    updatedAt: toDate(raw, "updated_at"),
  };
}

/**
 * Registers the connector conformance suite: one `describe` per method of {@link SessionConnector},
 * each `it` stating a rule of the contract (not-found answers, compare-and-swap, key rotation,
 * conditional touch, idempotent destroy, listings, bounded cleanup, concurrent writers).
 *
 * Call it at the top level of a Jest test file. The cases run in order against the one target that
 * `setup` returns; each creates rows under fresh random ids and leaves only rows that expire two or
 * more days later. The store should start empty (or hold only such rows) and nothing else should
 * write to it during the run: the cleanup cases count what they delete, `countRows` is compared
 * before and after a step.
 *
 * @example
 * // test/my-connector.conformance.test.ts
 * import { describeConnectorConformance } from "prisma-sessions/testing";
 *
 * describeConnectorConformance("MyConnector on PostgreSQL", async () => {
 *   const pool = new pg.Pool({ connectionString: process.env.TEST_DATABASE_URL });
 *   return {
 *     connector: new MyConnector(pool),
 *     inspect: {
 *       readRow: async (id) => (await pool.query("SELECT * FROM sessions WHERE id = $1", [id])).rows[0] ?? null,
 *       countRows: async () => Number((await pool.query("SELECT COUNT(*) AS n FROM sessions")).rows[0].n),
 *     },
 *     close: () => pool.end(),
 *   };
 * });
 */
export function describeConnectorConformance(name: string, setup: () => Promise<ConformanceTarget>): void {
  describe(`${name} meets the SessionConnector contract`, () => {
    let target: ConformanceTarget | undefined;

    beforeAll(async () => {
      target = await setup();
    });

    afterAll(async () => {
      await target?.close?.();
    });

    function current(): ConformanceTarget {
      if (target === undefined) throw new Error("the conformance setup() did not finish");
      return target;
    }

    function connector(): SessionConnector {
      return current().connector;
    }

    /** The stored row: read directly when the target can, else through `getSession`. */
    async function stored(id: string): Promise<StoredSession | null> {
      const { inspect } = current();
      if (inspect === undefined) return connector().getSession(id);
      const raw = await inspect.readRow(id);
      return raw === null ? null : fromRawRow(raw);
    }

    /** How many of `ids` are stored (rows of other cases are not counted). One read at a time. */
    /** How many rows one batch deleted. */
    async function deletedBy(now: Date, limit: number, from?: Date | null): Promise<number> {
      return (await connector().deleteExpiredSessions(now, limit, from)).deleted;
    }

    async function countStored(ids: string[]): Promise<number> {
      let count = 0;
      for (const id of ids) if ((await stored(id)) !== null) count++;
      return count;
    }

    /** Runs `step` and, when the target can count rows, checks the table grew by exactly `by`. */
    async function changingRowCountBy<T>(by: number, step: () => Promise<T>): Promise<T> {
      const { inspect } = current();
      const before = inspect === undefined ? 0 : await inspect.countRows();
      const result = await step();
      if (inspect !== undefined) expect(await inspect.countRows()).toBe(before + by);
      return result;
    }

    async function seed(...rows: StoredSession[]): Promise<void> {
      for (const row of rows) await expect(connector().createSession(row)).resolves.toBe(true);
    }

    /** Seeds rows that expire early, runs `body`, and removes the rows whatever happened. */
    async function withEarlyRows(rows: StoredSession[], body: () => Promise<void>): Promise<void> {
      try {
        await seed(...rows);
        await body();
      } finally {
        for (const row of rows) await connector().destroySession(row.id);
      }
    }

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
    });

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
                .filter((row, index) => before[index])
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

        const results = await changingRowCountBy(1, () =>
          Promise.all(rows.map((row) => connector().createSession(row))),
        );
        expect(results.filter((created) => created)).toHaveLength(1);
        await expect(stored(id)).resolves.toEqual(rows[results.indexOf(true)]);
      });
    });
  });
}
