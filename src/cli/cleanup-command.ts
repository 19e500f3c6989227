import { type CleanupResult, cleanupExpiredSessions } from "../cleanup/cleanup.js";
import type { CleanupOptions, CleanupProgress } from "../cleanup/cleanup-options.js";
import { displayTable } from "../sql/table-name.js";
import type { CleanupArgs } from "./args.js";
import type { Database } from "./connect.js";
import { describeError } from "./errors.js";
import { EXIT, interruptedExit } from "./exit-codes.js";
import { type CliIo, count, duration, ProgressReporter, plural, rate } from "./output.js";

function summary(result: CleanupResult, table: string, args: CleanupArgs, signal: AbortSignal | undefined): string {
  const deleted = `${plural(result.deleted, "expired session", "expired sessions")} from ${table}`;
  const batches = plural(result.batches, "batch", "batches");
  const timing = `${duration(result.elapsedMs)}, ${rate(result.deleted, result.elapsedMs)}`;
  switch (result.stoppedEarly) {
    case "locked":
      return `Another cleanup holds the lock on ${table}; nothing was done.`;
    case "max-runtime":
      return `Stopped at the maximum run time (${duration(args.maxRuntimeMs ?? 0)}): deleted ${deleted} in ${batches} (${timing}); more may remain.`;
    case "aborted":
      return `Interrupted (${String(signal?.reason)}): deleted ${deleted} in ${batches} (${timing}); more may remain.`;
    case false:
      if (result.dryRun)
        return `Dry run: ${count(result.expired ?? 0)} expired sessions in ${table} would be deleted; nothing was deleted.`;
      return `Deleted ${deleted} in ${batches} (${timing}).`;
  }
}

function exitCode(result: CleanupResult, signal: AbortSignal | undefined): number {
  if (result.stoppedEarly === "locked") return EXIT.locked;
  if (result.stoppedEarly === "aborted") return interruptedExit(signal?.reason);
  return EXIT.ok;
}

function options(args: CleanupArgs, db: Database, io: CliIo, onProgress: CleanupOptions["onProgress"]): CleanupOptions {
  return {
    batchSize: args.batchSize,
    dryRun: args.dryRun,
    ...(args.maxRuntimeMs === undefined ? {} : { maxRuntime: args.maxRuntimeMs }),
    ...(io.signal === undefined ? {} : { signal: io.signal }),
    ...(args.lock ? { lock: db.lock } : {}),
    ...(onProgress === undefined ? {} : { onProgress }),
  };
}

/** `prisma-sessions cleanup`: runs the batched cleanup and reports it. Returns the exit code. */
export async function runCleanupCommand(args: CleanupArgs, db: Database, io: CliIo): Promise<number> {
  const table = displayTable(db.table);
  const reporter = new ProgressReporter(io.stderr, args.progressIntervalMs);
  let progress: CleanupProgress = { deleted: 0, batches: 0, elapsedMs: 0 };
  if (args.lock && !db.lock.effective && !args.quiet) {
    io.stderr.write(
      "cleanup: --lock has no effect on SQLite: one writer at a time, concurrent cleanups share the work\n",
    );
  }
  let result: CleanupResult;
  try {
    result = await cleanupExpiredSessions(
      db.sessions,
      options(args, db, io, (latest) => {
        progress = latest;
        if (!args.quiet) reporter.update(latest);
      }),
    );
  } catch (error) {
    reporter.finish();
    const words = describeError(error);
    const after = progress.batches > 0 ? ` after deleting ${plural(progress.deleted, "session", "sessions")}` : "";
    io.stderr.write(`prisma-sessions cleanup failed${after}: ${words}\n`);
    if (args.json) io.stdout.write(`${JSON.stringify({ command: "cleanup", table, error: words, ...progress })}\n`);
    return EXIT.failed;
  }
  reporter.finish();
  if (args.json) {
    const { elapsedMs, ...rest } = result;
    const report = { command: "cleanup", provider: db.provider, table, ...rest, elapsedMs: Math.round(elapsedMs) };
    io.stdout.write(`${JSON.stringify(report)}\n`);
  } else if (!args.quiet) {
    io.stdout.write(`${summary(result, table, args, io.signal)}\n`);
  }
  return exitCode(result, io.signal);
}
