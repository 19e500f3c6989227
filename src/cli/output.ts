import type { CleanupProgress } from "../cleanup/cleanup-options.js";

/** Where the command line writes: process streams in production, buffers in tests. */
export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  env: Record<string, string | undefined>;
  /** Aborted (with the signal's name as reason) on SIGINT/SIGTERM. */
  signal?: AbortSignal;
}

/** `1,234,567`. */
export function count(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

/** `850 ms`, `12.3 s`, `4 min 05 s`, `5 h 02 min`, `3 d 4 h`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const two = (value: number) => String(value).padStart(2, "0");
  if (minutes < 60) return `${minutes} min ${two(Math.floor(ms / 1000) % 60)} s`;
  if (minutes < 24 * 60) return `${Math.floor(minutes / 60)} h ${two(minutes % 60)} min`;
  return `${Math.floor(minutes / 1440)} d ${Math.floor(minutes / 60) % 24} h`;
}

/** `12,288 rows/s`. */
export function rate(rows: number, ms: number): string {
  return `${count(ms > 0 ? (rows * 1000) / ms : 0)} rows/s`;
}

/** `1 batch`, `3 batches`. */
export function plural(value: number, one: string, many: string): string {
  return `${count(value)} ${value === 1 ? one : many}`;
}

function progressText({ deleted, batches, elapsedMs }: CleanupProgress): string {
  return `${plural(deleted, "session", "sessions")} deleted in ${plural(batches, "batch", "batches")} (${duration(elapsedMs)}, ${rate(deleted, elapsedMs)})`;
}

/** Reports cleanup progress on stderr: a live line on a terminal, else a line every `intervalMs`. */
export class ProgressReporter {
  readonly #stream: OutputStream;
  readonly #intervalMs: number;
  readonly #live: boolean;
  #lastAt = 0;
  #shown = false;

  constructor(stream: OutputStream, intervalMs: number) {
    this.#stream = stream;
    this.#live = stream.isTTY === true;
    // A live line redraws at most ten times a second.
    this.#intervalMs = this.#live ? 100 : intervalMs;
  }

  readonly update = (progress: CleanupProgress): void => {
    if (progress.elapsedMs - this.#lastAt < this.#intervalMs) return;
    this.#lastAt = progress.elapsedMs;
    if (this.#live) {
      this.#stream.write(`\r\x1b[Kcleanup: ${progressText(progress)}`);
      this.#shown = true;
    } else {
      this.#stream.write(`cleanup: ${progressText(progress)}\n`);
    }
  };

  /** Clears the live line, so the summary starts on a clean line. */
  finish(): void {
    if (this.#shown) this.#stream.write("\r\x1b[K");
    this.#shown = false;
  }
}
