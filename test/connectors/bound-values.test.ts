// No statement of a session operation binds more than 100 values (MAX_BOUND_VALUES), whatever the
// number of ids involved: Cloudflare D1 refuses more per statement. Every statement the connector
// sends to a real database is recorded on its way through the driver adapter. Split into several
// statements, a log-out-everywhere that fails halfway says so, and running it again finishes it.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import type { StoredSession } from "../../src/connector.js";
import { type DriverAdapterFactory, PrismaAdapterConnector } from "../../src/connectors/prisma-adapter.js";
import { MAX_BOUND_VALUES } from "../../src/sql/session-rows.js";
import type { AdapterQuery, AdapterQueryable } from "../../src/storage/adapter-runner.js";
import { makeRow, newId } from "../../src/testing/fixtures.js";
import { openTestDatabase, providers, type TestDatabase } from "../support/databases.js";

/**
 * The adapter factory, with every statement's bound values counted on the way to the database;
 * `refuse` may fail a statement instead of sending it (the connection lost at that moment).
 */
function recording(
  factory: DriverAdapterFactory,
  counts: number[],
  refuse: (query: AdapterQuery) => boolean = () => false,
): DriverAdapterFactory {
  return {
    provider: factory.provider,
    connect: async () => {
      const adapter = await factory.connect();
      const seen = (query: AdapterQuery) => {
        if (refuse(query)) throw new Error("connection lost (injected)");
        counts.push(query.args.length);
      };
      const wrapped: AdapterQueryable = {
        queryRaw: (query) => {
          seen(query);
          return adapter.queryRaw(query);
        },
        executeRaw: (query) => {
          seen(query);
          return adapter.executeRaw(query);
        },
      };
      return wrapped;
    },
  };
}

describe.each(providers)("bound values per statement on %s", (provider) => {
  let db: TestDatabase;
  let connector: PrismaAdapterConnector;
  const counts: number[] = [];

  beforeAll(async () => {
    db = await openTestDatabase(provider);
    connector = new PrismaAdapterConnector(recording(db.openAdapter(), counts));
  });
  afterAll(() => db.close());

  async function seed(rows: StoredSession[]): Promise<void> {
    for (const row of rows) expect(await connector.createSession(row)).toBe(true);
  }

  it("loads of any number of ids asked for at once: every row found, at most 100 values per statement", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 260 }), fc.integer({ min: 0, max: 40 }), async (stored, unknown) => {
        const rows = Array.from({ length: stored }, () => makeRow());
        await seed(rows);
        counts.length = 0;
        const ids = [...rows.map((row) => row.id), ...Array.from({ length: unknown }, () => newId())];
        const loaded = await Promise.all(ids.map((id) => connector.getSession(id)));
        expect(loaded).toEqual([...rows, ...Array.from({ length: unknown }, () => null)]);
        expect(Math.max(0, ...counts)).toBeLessThanOrEqual(MAX_BOUND_VALUES);
        // The loads of one turn share statements: never more than one per 100 ids.
        expect(counts.length).toBe(Math.ceil(ids.length / MAX_BOUND_VALUES));
      }),
      { numRuns: 12 },
    );
  }, 120_000);

  it("log out everywhere of a user with any number of sessions: all gone, at most 100 values per statement", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 260 }), fc.boolean(), async (sessions, keepOne) => {
        const userId = `user-${newId()}`;
        const rows = Array.from({ length: sessions }, () => makeRow({ userId }));
        const bystander = makeRow({ userId: `user-${newId()}` });
        await seed([...rows, bystander]);
        const kept = keepOne ? rows[0] : undefined;
        counts.length = 0;
        const ended = await connector.destroyUserSessions(userId, kept?.id);
        expect(ended).toBe(kept === undefined ? sessions : sessions - 1);
        expect(Math.max(0, ...counts)).toBeLessThanOrEqual(MAX_BOUND_VALUES);
        const left = await connector.listUserSessions(userId, new Date());
        expect(left.map((row) => row.id)).toEqual(kept === undefined ? [] : [kept.id]);
        expect(await connector.getSession(bystander.id)).toEqual(bystander);
      }),
      { numRuns: 12 },
    );
  }, 120_000);

  it("log out everywhere whose second DELETE fails: the caller gets the error, and a second call ends the rest", async () => {
    let deletes = 0;
    const failing = new PrismaAdapterConnector(
      recording(db.openAdapter(), [], (query) => query.sql.startsWith("DELETE") && ++deletes === 2),
    );
    const userId = `user-${newId()}`;
    const rows = Array.from({ length: 150 }, () => makeRow({ userId }));
    await seed(rows);
    await expect(failing.destroyUserSessions(userId)).rejects.toThrow(/connection lost/);
    // The first 99 are gone (each DELETE commits alone); none of the rest was touched.
    expect((await connector.listUserSessions(userId, new Date())).length).toBe(51);
    await expect(failing.destroyUserSessions(userId)).resolves.toBe(51);
    expect(await connector.listUserSessions(userId, new Date())).toEqual([]);
  });
});
