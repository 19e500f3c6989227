import { afterAll, describe, expect, it } from "@jest/globals";
import { parseCommandLine, parseDurationFlag } from "../../src/cli/args.js";
import { UsageError } from "../../src/cli/errors.js";
import { main } from "../../src/cli/main.js";
import { providers } from "../support/databases.js";
import { removeCliBuild, runCli } from "./run-cli.js";

const URL = { DATABASE_URL: "postgresql://localhost/db" };

/** Runs `main` in-process with buffered output: for what never reaches a database. */
async function inProcess(argv: string[], env: Record<string, string> = URL) {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
  });
  return { code, stdout, stderr };
}

describe("the command line's arguments", () => {
  it("reads the defaults and DATABASE_URL", () => {
    expect(parseCommandLine(["cleanup"], URL)).toEqual({
      command: "cleanup",
      databaseUrl: "postgresql://localhost/db",
      table: "sessions",
      json: false,
      quiet: false,
      batchSize: 1000,
      maxRuntimeMs: undefined,
      dryRun: false,
      lock: false,
      progressIntervalMs: 5000,
    });
    expect(parseCommandLine(["stats", "--database-url=file:x.db", "--top", "3", "--json"], {})).toMatchObject({
      command: "stats",
      databaseUrl: "file:x.db",
      top: 3,
      json: true,
    });
  });

  it.each([
    ["90s", 90_000],
    ["5m", 300_000],
    ["1h30m", 5_400_000],
    ["500ms", 500],
    ["2", 2000],
    ["1.5s", 1500],
  ])("--max-runtime %s is %d ms", (text, ms) => {
    expect(parseDurationFlag(text, "--max-runtime")).toBe(ms);
  });

  it.each([
    ["no command", []],
    ["an unknown command", ["vacuum"]],
    ["an unknown flag", ["cleanup", "--bogus"]],
    ["a flag of the other command", ["stats", "--batch-size", "10"]],
    ["a batch size that is not a positive whole number", ["cleanup", "--batch-size", "1e3"]],
    ["a zero batch size", ["cleanup", "--batch-size", "0"]],
    ["an unreadable duration", ["cleanup", "--max-runtime", "5 minutes"]],
    ["a zero maximum run time", ["cleanup", "--max-runtime", "0s"]],
    ["an extra argument", ["cleanup", "now"]],
  ])("%s is a usage error", (_label, argv) => {
    expect(() => parseCommandLine(argv, URL)).toThrow(UsageError);
  });

  it("no database URL is a usage error", () => {
    expect(() => parseCommandLine(["cleanup"], {})).toThrow(/--database-url or set DATABASE_URL/);
  });

  it.each([
    ["a quote", 'sessions"; DROP TABLE x; --'],
    ["a backtick", "sess`ions"],
    ["three parts", "a.b.c"],
    ["a leading digit", "1sessions"],
    ["an empty name", ""],
  ])("a table name with %s exits 2 before any connection", async (_label, table) => {
    const run = await inProcess(["cleanup", "--table", table]);
    expect(run).toMatchObject({ code: 2, stdout: "" });
    expect(run.stderr).toMatch(/^prisma-sessions cleanup failed: Invalid table name/);
  });

  it("usage errors exit 2 and point to --help", async () => {
    const run = await inProcess(["cleanup", "--batch-size", "-5"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/\nRun "prisma-sessions --help" for usage\.\n$/);
  });
});

describe("prisma-sessions as a child process, without a usable database", () => {
  afterAll(() => removeCliBuild());

  it("--help prints usage with the exit codes; exit 0", async () => {
    const run = await runCli(["--help"]);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout).toMatch(/^Usage: prisma-sessions <command> \[flags\]/);
    expect(run.stdout).toContain(
      "Exit codes: 0 done, 1 failed (database error), 2 bad usage, 3 another runner holds the lock",
    );
  });

  it("a URL of an unsupported database exits 2", async () => {
    const run = await runCli(["cleanup"], { DATABASE_URL: "mongodb://127.0.0.1/app" });
    expect(run).toMatchObject({ code: 2, stdout: "" });
    expect(run.stderr).toBe(
      "prisma-sessions cleanup failed: Unsupported database URL (mongodb:): use postgres://, postgresql://, mysql://, mariadb:// or file:\n",
    );
  });

  it("a URL that is no URL exits 2", async () => {
    const run = await runCli(["stats", "--database-url", "postgresql://user:pa ss@:x"]);
    expect(run).toMatchObject({
      code: 2,
      stderr: "prisma-sessions stats failed: The database URL is not a valid URL\n",
    });
  });

  const unreachable = [
    ["postgresql", "postgresql://postgres@127.0.0.1:1/test"],
    ["mysql", "mysql://root@127.0.0.1:1/test"],
  ] as const;
  it.each(unreachable.filter(([provider]) => providers.includes(provider)))(
    "an unreachable %s server exits 1 and says so",
    async (_provider, url) => {
      const run = await runCli(["cleanup", "--database-url", url, "--json"]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^prisma-sessions cleanup failed: cannot reach the database server.*127\.0\.0\.1:1/);
      expect(JSON.parse(run.stdout)).toMatchObject({
        command: "cleanup",
        error: expect.stringMatching(/cannot reach/),
      });
    },
  );

  it("a PostgreSQL database that does not exist exits 1 with the server's reason", async () => {
    const base = new globalThis.URL(process.env.PRISMA_SESSIONS_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test");
    base.pathname = "/no_such_database_here";
    const run = await runCli(["stats", "--database-url", base.toString()]);
    expect(run).toMatchObject({
      code: 1,
      stderr: 'prisma-sessions stats failed: database "no_such_database_here" does not exist\n',
    });
  });

  it("a SQLite file that does not exist exits 1 and is not created", async () => {
    const run = await runCli(["cleanup"], { DATABASE_URL: "file:./no-such-dir/sessions.db" });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^prisma-sessions cleanup failed: the SQLite database file \/.*no-such-dir\/sessions\.db does not exist\n$/,
    );
  });
});
