import { type Args, HELP, parseCommandLine } from "./args.js";
import { runCleanupCommand } from "./cleanup-command.js";
import { type Database, openDatabase } from "./connect.js";
import { describeError, UsageError } from "./errors.js";
import { EXIT } from "./exit-codes.js";
import type { CliIo } from "./output.js";
import { runStatsCommand } from "./stats-command.js";

/**
 * Runs `prisma-sessions <command> [flags]` and resolves to the exit code. Never throws: every
 * failure is printed in words on stderr.
 */
export async function main(argv: string[], io: CliIo): Promise<number> {
  let args: Args;
  try {
    args = parseCommandLine(argv, io.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`prisma-sessions: ${error.message}\nRun "prisma-sessions --help" for usage.\n`);
    return EXIT.usage;
  }
  if (args.command === "help") {
    io.stdout.write(`${HELP}\n`);
    return EXIT.ok;
  }
  let db: Database;
  try {
    db = await openDatabase(args.databaseUrl, args.table);
  } catch (error) {
    const usage = error instanceof UsageError;
    io.stderr.write(`prisma-sessions ${args.command} failed: ${describeError(error)}\n`);
    if (args.json) io.stdout.write(`${JSON.stringify({ command: args.command, error: describeError(error) })}\n`);
    return usage ? EXIT.usage : EXIT.failed;
  }
  try {
    return args.command === "cleanup" ? await runCleanupCommand(args, db, io) : await runStatsCommand(args, db, io);
  } finally {
    // Closing a pool whose server went away can fail too; the outcome is already decided.
    await db.close().catch(() => {});
  }
}
