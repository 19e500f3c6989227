import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { PrismaConnector } from "../../src/connectors/prisma.js";
import { PrismaAdapterConnector } from "../../src/connectors/prisma-adapter.js";
import {
  ConnectorError,
  DataRejected,
  MAX_USER_ID_LENGTH,
  type SessionConnector,
  SessionManager,
} from "../../src/index.js";
import { countCalls } from "../support/backends.js";
import { openTestDatabase, type Provider, providers, type TestDatabase } from "../support/databases.js";
import { describeEachBackend } from "../support/each-backend.js";

describeEachBackend("owner ids on %s", (t) => {
  it.each([
    ["a lone high surrogate", "ann\ud800"],
    ["a lone low surrogate", "\udc00ann"],
    ["a NUL", "ann\u0000"],
    ["an empty string", ""],
    ["one character over the limit", "x".repeat(MAX_USER_ID_LENGTH + 1)],
    ["a number", 42],
  ])("an id with %s is refused on assignment (INVALID_USER_ID), before any query", async (_label, value) => {
    const { connector, calls } = countCalls(t.backend.connector);
    const s = new SessionManager({ connector }).open(null);
    expect(() => {
      s.userId = value as string;
    }).toThrow(expect.objectContaining({ code: "INVALID_USER_ID" }));
    expect(s.userId).toBeNull();
    const listing = new SessionManager({ connector });
    await expect(listing.listUserSessions(value as string)).rejects.toMatchObject({ code: "INVALID_USER_ID" });
    await expect(listing.destroyUserSessions(value as string)).rejects.toMatchObject({ code: "INVALID_USER_ID" });
    expect(calls).toEqual([]);
  });

  it(`an id of ${MAX_USER_ID_LENGTH} characters outside the BMP is stored, listed and logged out exactly`, async () => {
    const id = "😀".repeat(MAX_USER_ID_LENGTH);
    const s = t.sessions.open(null);
    s.userId = id;
    s.set("a", 1);
    await s.save();
    expect((await t.backend.readRow(s.id ?? ""))?.userId).toBe(id);
    expect((await t.sessions.listUserSessions(id)).map((row) => row.id)).toEqual([s.id]);
    await expect(t.sessions.destroyUserSessions(id)).resolves.toBe(1);
    expect(await s.exists()).toBe(false);
  });

  it("a valid surrogate pair and other control characters are fine", async () => {
    const id = "ann\ud83d\ude00\t\u0001";
    const s = t.sessions.open(null);
    s.userId = id;
    await s.save();
    expect((await t.sessions.listUserSessions(id)).map((row) => row.id)).toEqual([s.id]);
  });
});

/**
 * A value the database itself refuses (here a CHECK constraint, or a trigger on SQLite, that the
 * test adds to its own table) is `DataRejected`, never `ConnectorError`: it is not an outage.
 */
async function refuseOwner(db: TestDatabase, provider: Provider, owner: string): Promise<void> {
  if (provider === "sqlite") {
    await db.exec(
      `CREATE TRIGGER refuse_owner BEFORE INSERT ON sessions WHEN NEW.user_id = '${owner}' BEGIN SELECT RAISE(ABORT, 'owner refused'); END`,
    );
    await db.exec(
      `CREATE TRIGGER refuse_owner_update BEFORE UPDATE ON sessions WHEN NEW.user_id = '${owner}' BEGIN SELECT RAISE(ABORT, 'owner refused'); END`,
    );
  } else {
    await db.exec(`ALTER TABLE sessions ADD CONSTRAINT refuse_owner CHECK (user_id IS NULL OR user_id <> '${owner}')`);
  }
}

describe.each(providers)("a value the database refuses, on %s", (provider) => {
  let db: TestDatabase;
  const connectors: [string, () => SessionConnector][] = [
    ["PrismaConnector", () => new PrismaConnector(db.prisma)],
    ["PrismaAdapterConnector", () => new PrismaAdapterConnector(db.openAdapter())],
  ];

  beforeAll(async () => {
    db = await openTestDatabase(provider);
    await refuseOwner(db, provider, "refused-owner");
  });
  afterAll(() => db.close());

  it.each(connectors)(
    "is DataRejected through %s, on create and on update, with the driver's error as cause",
    async (_name, make) => {
      const sessions = new SessionManager({ connector: make() });
      const fresh = sessions.open(null);
      fresh.userId = "refused-owner";
      const created = fresh.save();
      await expect(created).rejects.toBeInstanceOf(DataRejected);
      await expect(created).rejects.not.toBeInstanceOf(ConnectorError);
      await expect(created).rejects.toMatchObject({ code: "DATA_REJECTED", cause: expect.anything() });

      const stored = sessions.open(null);
      stored.set("a", 1);
      await stored.save();
      stored.userId = "refused-owner";
      await expect(stored.save()).rejects.toBeInstanceOf(DataRejected);
    },
  );
});
