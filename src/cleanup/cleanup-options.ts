import type { CleanupLock } from "../connector.js";
import type { Duration } from "../duration.js";
import { ConfigError } from "../errors.js";
import { checkPositiveInteger } from "../numbers.js";
import { millisecondsOf } from "../session-options.js";

/** Where a running cleanup stands; passed to `onProgress` after every batch. */
export interface CleanupProgress {
  /** Rows deleted so far. */
  deleted: number;
  /** Delete statements run so far. */
  batches: number;
  /** Milliseconds since the cleanup started (lock acquisition included). */
  elapsedMs: number;
}

/** Options of `cleanupExpiredSessions`. */
export interface CleanupOptions {
  /** Most rows one delete statement removes. Bounds memory, lock time and transaction size. @default 1000 */
  batchSize?: number;
  /**
   * Longest run, in milliseconds or as a date-fns `Duration`. Checked between batches: the first
   * batch always runs, and a batch that has started finishes, so a run can overshoot by one batch.
   * @default no limit
   */
  maxRuntime?: number | Duration;
  /** Stops the cleanup between batches when aborted. */
  signal?: AbortSignal;
  /** Counts the expired rows instead of deleting them. @default false */
  dryRun?: boolean;
  /**
   * Rows whose deadline is at or before this instant are expired. @default the database server's
   * clock at the start of the run (`currentTime()`), never this host's: a cleanup host whose clock
   * runs ahead would otherwise delete live sessions
   */
  now?: Date;
  /**
   * A single-runner lock, tried once without waiting: when another runner holds it, the cleanup
   * does nothing and reports `stoppedEarly: "locked"`. @default none (concurrent runs share the work)
   */
  lock?: CleanupLock;
  /** Called after every batch, e.g. to print progress. Must not throw. */
  onProgress?: (progress: CleanupProgress) => void;
}

/** Cleanup options with defaults filled in and units resolved. */
export interface ResolvedCleanupOptions {
  readonly batchSize: number;
  readonly maxRuntimeMs: number;
  readonly signal: AbortSignal | undefined;
  readonly dryRun: boolean;
  /** `undefined`: ask the database at the start of the run. */
  readonly now: Date | undefined;
  readonly lock: CleanupLock | undefined;
  readonly onProgress: ((progress: CleanupProgress) => void) | undefined;
}

export const DEFAULT_BATCH_SIZE = 1000;

/** Validates cleanup options and fills in defaults (the one place they live). */
export function resolveCleanupOptions(options: CleanupOptions): ResolvedCleanupOptions {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  checkPositiveInteger(batchSize, "batchSize");
  const maxRuntimeMs =
    options.maxRuntime === undefined ? Number.POSITIVE_INFINITY : millisecondsOf(options.maxRuntime, "maxRuntime");
  if (maxRuntimeMs <= 0) throw new ConfigError("maxRuntime must be longer than zero");
  const { now } = options;
  if (now !== undefined && (!(now instanceof Date) || Number.isNaN(now.getTime()))) {
    throw new ConfigError("now must be a valid Date");
  }
  return {
    batchSize,
    maxRuntimeMs,
    signal: options.signal,
    dryRun: options.dryRun ?? false,
    now,
    lock: options.lock,
    onProgress: options.onProgress,
  };
}
