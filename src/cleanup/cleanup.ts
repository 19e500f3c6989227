import type { BatchBudget, BatchCursor, BatchRun, CleanupTarget, ExpiredBatch, HeldCleanupLock } from "../connector.js";
import { ConnectorError, SessionError } from "../errors.js";
import {
  type CleanupOptions,
  type CleanupProgress,
  type ResolvedCleanupOptions,
  resolveCleanupOptions,
} from "./cleanup-options.js";
import { retryingConflicts } from "./retry.js";

/** One server-side call runs at most this much, so the signal and the maximum run time are seen often. */
const SERVER_BUDGET: BatchBudget = { batches: 200, ms: 250 };

/** Why a cleanup ended before every expired row was gone. */
export type CleanupStop = "max-runtime" | "aborted" | "locked";

/** What a cleanup did. */
export interface CleanupResult extends CleanupProgress {
  /**
   * `false` when the run went until a batch came back short (no expired row left, as of `now`).
   * `"max-runtime"` or `"aborted"` when it stopped between batches; `"locked"` when another runner
   * held the lock and nothing was done.
   */
  stoppedEarly: false | CleanupStop;
  /** Whether this was a dry run (nothing deleted). */
  dryRun: boolean;
  /** Dry run: how many rows are expired (what a run would delete now). `null` on a real run. */
  expired: number | null;
}

function failure(stage: string, progress: CleanupProgress, error: unknown): SessionError {
  if (error instanceof SessionError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  const done = `${progress.deleted} rows deleted in ${progress.batches} batches before`;
  return new ConnectorError(`Session cleanup failed ${stage} (${done}): ${reason}`, { cause: error });
}

/** The options of one run: `now` is settled (given, or the database's clock). */
type RunOptions = ResolvedCleanupOptions & { readonly now: Date };

/** The batch loop; returns why it ended. `progress` is updated in place. */
async function deleteInBatches(
  target: CleanupTarget,
  options: RunOptions,
  progress: CleanupProgress,
  elapsed: () => number,
): Promise<CleanupResult["stoppedEarly"]> {
  const { batchSize, maxRuntimeMs, signal, now, onProgress } = options;
  if (target.deleteExpiredBatches)
    return deleteOnServer(target.deleteExpiredBatches.bind(target), options, progress, elapsed);
  // The run's cursor: each batch may start at the last deadline the previous one deleted.
  let from: Date | null = null;
  for (;;) {
    if (signal?.aborted) return "aborted";
    // Between batches: the first one always runs, so a short maximum still makes progress.
    if (progress.batches > 0 && elapsed() >= maxRuntimeMs) return "max-runtime";
    const start: Date | null = from;
    const batch: ExpiredBatch = await retryingConflicts(() =>
      target.deleteExpiredSessions(now, batchSize, start),
    ).catch((error: unknown) => {
      throw failure(`in batch ${progress.batches + 1}`, progress, error);
    });
    const { deleted } = batch;
    from = batch.last ?? from;
    progress.deleted += deleted;
    progress.batches += 1;
    progress.elapsedMs = elapsed();
    onProgress?.({ ...progress });
    // A short batch: nothing expired is left that another runner is not deleting right now.
    if (deleted < batchSize) return false;
  }
}

/** The batch loop run by the server, a budget at a time; the signal and run time are checked between calls. */
async function deleteOnServer(
  run: NonNullable<CleanupTarget["deleteExpiredBatches"]>,
  { batchSize, maxRuntimeMs, signal, now, onProgress }: RunOptions,
  progress: CleanupProgress,
  elapsed: () => number,
): Promise<CleanupResult["stoppedEarly"]> {
  let from: BatchCursor | null = null;
  for (;;) {
    if (signal?.aborted) return "aborted";
    const left = maxRuntimeMs - elapsed();
    if (progress.batches > 0 && left <= 0) return "max-runtime";
    const budget = { batches: SERVER_BUDGET.batches, ms: Math.max(0, Math.min(SERVER_BUDGET.ms, left)) };
    // Not retried as a whole: the batches before a failure are committed. The block retries a
    // batch that loses a deadlock itself.
    const done: BatchRun = await run(now, batchSize, budget, from).catch((error: unknown) => {
      throw failure(`in batch ${progress.batches + 1}`, progress, error);
    });
    progress.deleted += done.deleted;
    progress.batches += done.batches;
    progress.elapsedMs = elapsed();
    onProgress?.({ ...progress });
    if (done.done) return false;
    from = done.from;
  }
}

/**
 * Deletes expired sessions in bounded batches: each batch is one `deleteExpiredSessions(now,
 * batchSize)` call, which never loads session data and re-checks the deadline, so a session
 * extended while the cleanup runs survives. Memory does not grow with the table. Runs until a batch
 * comes back short, the maximum run time has passed or the signal aborts (both checked between
 * batches). Safe to run on several hosts at once: concurrent runs share the work (a batch the
 * database rolls back as a deadlock victim runs again); with `lock`, all but one skip.
 *
 * @throws ConfigError for invalid options, before anything runs.
 * @throws ConnectorError when storage fails (driver error as `cause`); the lock is released first.
 * @example
 * const result = await cleanupExpiredSessions(new PrismaConnector(prisma), { maxRuntime: { minutes: 5 } });
 * // { deleted: 12000, batches: 13, elapsedMs: 840, stoppedEarly: false, dryRun: false, expired: null }
 */
export async function cleanupExpiredSessions(
  target: CleanupTarget,
  options: CleanupOptions = {},
): Promise<CleanupResult> {
  const checked = resolveCleanupOptions(options);
  const { signal, dryRun, lock } = checked;
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const progress: CleanupProgress = { deleted: 0, batches: 0, elapsedMs: 0 };
  const finish = (stoppedEarly: CleanupResult["stoppedEarly"], expired: number | null = null): CleanupResult => ({
    ...progress,
    elapsedMs: elapsed(),
    stoppedEarly,
    dryRun,
    expired,
  });

  if (signal?.aborted) return finish("aborted");
  // The database's clock by default: a runner whose own clock runs ahead must not delete live sessions.
  const now =
    checked.now ??
    (await target.currentTime().catch((error: unknown) => {
      throw failure("reading the database's clock", progress, error);
    }));
  const resolved: RunOptions = { ...checked, now };
  let held: HeldCleanupLock | null = null;
  if (lock !== undefined) {
    held = await lock.tryAcquire().catch((error: unknown) => {
      throw failure("taking the lock", progress, error);
    });
    if (held === null) return finish("locked");
  }

  let result: CleanupResult;
  try {
    if (dryRun) {
      const expired = await target.countExpiredSessions(now).catch((error: unknown) => {
        throw failure("counting expired rows", progress, error);
      });
      result = finish(false, expired);
    } else {
      result = finish(await deleteInBatches(target, resolved, progress, elapsed));
    }
  } catch (error) {
    // The cleanup's own error is the one to report; the lock goes with its connection anyway.
    await held?.release().catch(() => {});
    throw error;
  }
  await held?.release().catch((error: unknown) => {
    throw failure("releasing the lock", progress, error);
  });
  return result;
}
