// Cleanup decides what has expired by the database server's clock, not the runner's: a cron host
// whose clock runs an hour ahead must not delete sessions that are live for everyone else.
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { cleanupExpiredSessions } from "../../src/cleanup/cleanup.js";
import { runCli } from "../cli/run-cli.js";
import { openTestDatabase, providers, type TestDatabase } from "../support/databases.js";
import { fakeDate } from "../support/fake-date.js";
import {
  countRows,
  databaseUrl,
  HOUR,
  insertRows,
  MINUTE,
  type OpenTarget,
  openTarget,
  targetKinds,
} from "./fixtures.js";

const cases = providers.flatMap((provider) => targetKinds.map((kind) => [provider, kind] as const));

describe.each(cases)("cleanup on %s through the %s, on a host whose clock is an hour ahead", (provider, kind) => {
  let db: TestDatabase;
  let opened: OpenTarget;

  beforeAll(async () => {
    db = await openTestDatabase(provider);
    opened = await openTarget(kind, db);
  });
  afterAll(async () => {
    await opened.close();
    await db.close();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it("deletes what the database calls expired and no live session", async () => {
    await db.exec("DELETE FROM sessions");
    await insertRows(db, 5, new Date(Date.now() - 10 * MINUTE));
    await insertRows(db, 7, new Date(Date.now() + 10 * MINUTE)); // live for 10 more minutes
    fakeDate(new Date(Date.now() + HOUR));
    const result = await cleanupExpiredSessions(opened.target);
    jest.useRealTimers();
    expect(result.deleted).toBe(5);
    await expect(countRows(db, new Date())).resolves.toEqual({ expired: 0, live: 7 });
  });

  it("an explicit `now` still decides (for tests and backfills)", async () => {
    await db.exec("DELETE FROM sessions");
    await insertRows(db, 3, new Date(Date.now() + 10 * MINUTE));
    const result = await cleanupExpiredSessions(opened.target, { now: new Date(Date.now() + HOUR) });
    expect(result.deleted).toBe(3);
  });
});

// SQLite has no server: its clock is the clock of the host that opens the file (faketime shifts
// it too), so there is no other clock to go by. The servers are PostgreSQL and MariaDB.
const servers = providers.filter((provider) => provider !== "sqlite");

describe.each(servers)("npx prisma-sessions on %s, on a host whose clock is an hour ahead", (provider) => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await openTestDatabase(provider);
  });
  afterAll(() => db.close());

  it("cleanup deletes no live session; stats counts them live", async () => {
    await insertRows(db, 4, new Date(Date.now() - 10 * MINUTE));
    await insertRows(db, 6, new Date(Date.now() + 10 * MINUTE));
    const url = await databaseUrl(db);
    const ahead = { clockOffset: "+1h" };
    const clock = await runCli(["--version"], {}, undefined, ahead).catch(() => null);
    expect(clock).not.toBeNull(); // faketime is installed (.ci/run installs it)
    const stats = await runCli(["stats", "--database-url", url, "--json"], {}, undefined, ahead);
    expect(JSON.parse(stats.stdout)).toMatchObject({ live: 6, expired: 4 });
    const run = await runCli(["cleanup", "--database-url", url, "--json"], {}, undefined, ahead);
    expect(run).toMatchObject({ code: 0 });
    expect(JSON.parse(run.stdout)).toMatchObject({ deleted: 4 });
    await expect(countRows(db, new Date())).resolves.toEqual({ expired: 0, live: 6 });
  });
});
