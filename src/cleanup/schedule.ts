import type { CleanupTarget } from "../connector.js";
import type { Duration } from "../duration.js";
import { ConfigError } from "../errors.js";
import { millisecondsOf, type SessionLogger } from "../session-options.js";
import { type CleanupResult, cleanupExpiredSessions } from "./cleanup.js";
import { type CleanupOptions, resolveCleanupOptions } from "./cleanup-options.js";

/** Options of {@link scheduleCleanup}: when to run, where to report, and the cleanup's own options. */
export interface ScheduleCleanupOptions extends Omit<CleanupOptions, "now" | "signal"> {
  /** Pause between the end of one run and the start of the next, in ms or as a `Duration`. @default { hours: 1 } */
  interval?: number | Duration;
  /**
   * Upper bound of a random delay added to every wait, the first one included (which is only this
   * delay), so a fleet started together does not clean in step. In ms or as a `Duration`.
   * @default a tenth of `interval`
   */
  jitter?: number | Duration;
  /** Receives every error of a run; the schedule carries on. @default `logger.error`, else a process warning */
  onError?: (error: unknown) => void;
  /** Receives the result of every run (for metrics). */
  onResult?: (result: CleanupResult) => void;
  /** Logs each run at debug level and errors when there is no `onError`. */
  logger?: SessionLogger;
}

/** A running schedule. */
export interface CleanupSchedule {
  /**
   * Stops the schedule: no new run starts, a running one stops after its current batch, and the
   * promise settles when it has. Idempotent.
   */
  stop(): Promise<void>;
}

const DEFAULT_INTERVAL: Duration = { hours: 1 };

/**
 * Runs {@link cleanupExpiredSessions} in this process, again and again. The timer never keeps the
 * process alive, runs never overlap (the next wait starts when a run ends), the first run waits a
 * random part of `jitter`, and errors go to `onError` (or the logger) instead of crashing anything.
 *
 * @throws ConfigError at once for invalid options.
 * @example
 * const schedule = scheduleCleanup(new PrismaConnector(prisma), {
 *   interval: { minutes: 15 },
 *   lock: new PrismaCleanupLock(prisma, { provider: "postgresql" }),
 *   logger: console,
 * });
 * process.on("SIGTERM", () => void schedule.stop());
 */
export function scheduleCleanup(target: CleanupTarget, options: ScheduleCleanupOptions = {}): CleanupSchedule {
  const { interval, jitter, onError, onResult, logger, ...cleanup } = options;
  const intervalMs = millisecondsOf(interval ?? DEFAULT_INTERVAL, "interval");
  if (intervalMs <= 0) throw new ConfigError("interval must be longer than zero");
  const jitterMs = jitter === undefined ? intervalMs / 10 : millisecondsOf(jitter, "jitter");
  resolveCleanupOptions(cleanup); // refuse bad options now rather than at every run

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: { controller: AbortController; done: Promise<void> } | undefined;

  const report = (error: unknown): void => {
    try {
      if (onError !== undefined) onError(error);
      else if (logger?.error !== undefined) logger.error("session cleanup failed", { error });
      else process.emitWarning(error instanceof Error ? error : String(error), "SessionCleanupWarning");
    } catch (reportingError) {
      // A throwing onError must not become an unhandled rejection that ends the process.
      process.emitWarning(
        reportingError instanceof Error ? reportingError : String(reportingError),
        "SessionCleanupWarning",
      );
    }
  };

  const run = async (signal: AbortSignal): Promise<void> => {
    try {
      const result = await cleanupExpiredSessions(target, { ...cleanup, signal });
      logger?.debug?.("session cleanup ran", { ...result });
      onResult?.(result);
    } catch (error) {
      report(error);
    }
  };

  const wait = (ms: number): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      const controller = new AbortController();
      const done = run(controller.signal).finally(() => {
        running = undefined;
        wait(intervalMs + Math.random() * jitterMs);
      });
      running = { controller, done };
    }, ms);
    timer.unref();
  };

  wait(Math.random() * jitterMs);
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      running?.controller.abort();
      await running?.done;
    },
  };
}
