import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { countRows, databaseUrl, HOUR, insertRows, openTarget } from "../cleanup/fixtures.js";
import { openTestDatabase, providers, type TestDatabase } from "../support/databases.js";
import { removeCliBuild, runCli } from "./run-cli.js";

afterAll(() => removeCliBuild());

describe.each(providers)("prisma-sessions on %s, as a child process", (provider) => {
  let db: TestDatabase;
  let url: string;
  let table: string;

  beforeAll(async () => {
    db = await openTestDatabase(provider);
    url = await databaseUrl(db);
    // PostgreSQL URLs name the schema, which qualifies the table in messages.
    table = provider === "postgresql" ? `${new URL(url).searchParams.get("schema")}.sessions` : "sessions";
  });
  afterEach(() => db.exec("DELETE FROM sessions"));
  afterAll(() => db.close());

  const past = () => new Date(Date.now() - HOUR);
  const future = () => new Date(Date.now() + HOUR);

  describe("cleanup", () => {
    it("deletes the expired sessions, reports progress on stderr and a one-line summary; exit 0", async () => {
      await insertRows(db, 2500, past());
      await insertRows(db, 100, future());
      const run = await runCli(["cleanup", "--batch-size", "1000", "--progress-interval", "0"], { DATABASE_URL: url });
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(
        new RegExp(
          `^Deleted 2,500 expired sessions from ${table} in 3 batches \\([\\d.]+ m?s, [\\d,]+ rows/s\\)\\.\\n$`,
        ),
      );
      const progress = run.stderr.trimEnd().split("\n");
      // A line per batch; PostgreSQL's server runs up to 200 batches per call and reports per call.
      expect(progress).toHaveLength(provider === "postgresql" ? 1 : 3);
      for (const line of progress) {
        expect(line).toMatch(/^cleanup: [\d,]+ sessions deleted in \d+ batch(es)? \(.+, [\d,]+ rows\/s\)$/);
      }
      if (provider !== "postgresql") expect(progress[0]).toMatch(/^cleanup: 1,000 sessions deleted in 1 batch /);
      expect(progress.at(-1)).toMatch(/^cleanup: 2,500 sessions deleted in 3 batches /);
      await expect(countRows(db, new Date())).resolves.toEqual({ expired: 0, live: 100 });
    });

    it("--dry-run counts and deletes nothing", async () => {
      await insertRows(db, 42, past());
      await insertRows(db, 8, future());
      const run = await runCli(["cleanup", "--database-url", url, "--dry-run"]);
      expect(run).toMatchObject({ code: 0, stderr: "" });
      expect(run.stdout).toBe(`Dry run: 42 expired sessions in ${table} would be deleted; nothing was deleted.\n`);
      await expect(countRows(db, new Date())).resolves.toEqual({ expired: 42, live: 8 });
    });

    it("--max-runtime stops between batches; --json prints the result as one JSON object; exit 0", async () => {
      await insertRows(db, 300, past());
      const run = await runCli([
        "cleanup",
        "--database-url",
        url,
        "--batch-size",
        "1",
        "--max-runtime",
        "1ms",
        "--json",
      ]);
      expect(run).toMatchObject({ code: 0, stderr: "" });
      const result = JSON.parse(run.stdout);
      expect(result).toEqual({
        command: "cleanup",
        provider,
        table,
        deleted: expect.any(Number),
        batches: result.deleted,
        stoppedEarly: "max-runtime",
        dryRun: false,
        expired: null,
        elapsedMs: expect.any(Number),
      });
      expect(result.deleted).toBeGreaterThan(0);
      await expect(countRows(db, new Date())).resolves.toEqual({ expired: 300 - result.deleted, live: 0 });
    });

    if (provider === "postgresql") {
      it("SIGINT stops it after the current batch, with a summary; exit 130", async () => {
        await insertRows(db, 3000, past());
        const args = ["cleanup", "--database-url", url, "--batch-size", "1", "--progress-interval", "0"];
        const run = await runCli(args, {}, "SIGINT");
        expect(run.code).toBe(130);
        expect(run.stdout).toMatch(
          /^Interrupted \(SIGINT\): deleted [\d,]+ expired sessions? from .+; more may remain\.\n$/,
        );
        const left = await countRows(db, new Date());
        expect(left.expired).toBeGreaterThan(0);
        expect(left.expired).toBeLessThan(3000);
      });
    }

    if (provider === "sqlite") {
      it("--lock says it has no effect on SQLite and runs", async () => {
        await insertRows(db, 5, past());
        const run = await runCli(["cleanup", "--database-url", url, "--lock"]);
        expect(run.code).toBe(0);
        expect(run.stderr).toBe(
          "cleanup: --lock has no effect on SQLite: one writer at a time, concurrent cleanups share the work\n",
        );
        expect(run.stdout).toMatch(/^Deleted 5 expired sessions/);
      });
    } else {
      it("--lock exits 3 and does nothing while another runner holds the lock, then runs", async () => {
        await insertRows(db, 5, past());
        // The in-process Prisma lock: the command line and an app's schedule exclude each other.
        const other = await openTarget("PrismaConnector", db);
        const held = await other.lock.tryAcquire();
        expect(held).not.toBeNull();
        const locked = await runCli(["cleanup", "--database-url", url, "--lock"]);
        expect(locked).toMatchObject({
          code: 3,
          stdout: `Another cleanup holds the lock on ${table}; nothing was done.\n`,
          stderr: "",
        });
        await expect(countRows(db, new Date())).resolves.toEqual({ expired: 5, live: 0 });
        await held?.release();
        const ran = await runCli(["cleanup", "--database-url", url, "--lock"]);
        expect(ran.code).toBe(0);
        await expect(countRows(db, new Date())).resolves.toEqual({ expired: 0, live: 0 });
      });
    }

    it("a table that does not exist fails with the database's reason; exit 1", async () => {
      const run = await runCli(["cleanup", "--database-url", url, "--table", "no_such_table", "--json"]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^prisma-sessions cleanup failed: table "[\w.]*no_such_table" does not exist/);
      expect(JSON.parse(run.stdout)).toMatchObject({
        command: "cleanup",
        error: expect.stringMatching(/does not exist/),
      });
    });
  });

  describe("stats", () => {
    it("prints live and expired counts, the oldest deadline and the users with most sessions (text, or --json)", async () => {
      const oldest = new Date(Date.now() - 2 * HOUR);
      await insertRows(db, 3, oldest);
      await insertRows(db, 7, future(), (i) => (i < 5 ? "ann" : "bob"));
      await insertRows(db, 2, future(), () => "Ann");
      const [run, json] = await Promise.all([
        runCli(["stats", "--database-url", url]),
        runCli(["stats", "--database-url", url, "--json", "--top", "2"]),
      ]);
      expect(run).toMatchObject({ code: 0, stderr: "" });
      expect(run.stdout).toBe(
        [
          `Sessions in ${table} (${provider})`,
          "  live                  9",
          "  expired, not deleted  3",
          `  oldest deadline       ${oldest.toISOString()} (2 h 00 min ago)`,
          "Users with the most live sessions",
          "  ann  5",
          "  Ann  2",
          "  bob  2",
          "",
        ].join("\n"),
      );
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout)).toEqual({
        command: "stats",
        provider,
        table,
        now: expect.any(String),
        live: 9,
        expired: 3,
        oldestDeadline: oldest.toISOString(),
        topUsers: [
          { userId: "ann", sessions: 5 },
          { userId: "Ann", sessions: 2 },
        ],
      });
    });
  });
});
