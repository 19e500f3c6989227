// Process memory while a cleanup runs, and the formatting of the report.
import type { LatencySummary } from "./loads.js";

const MIB = 1024 * 1024;

/** Samples the resident set size every few milliseconds; `stop()` returns the peak in bytes. */
export function sampleRss(everyMs = 5): { stop(): number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss());
    },
  };
}

export function mib(bytes: number): string {
  return `${(bytes / MIB).toFixed(1)} MiB`;
}

export function ms(value: number): string {
  return `${value.toFixed(2)} ms`;
}

/** One subject's figures. */
export interface Outcome {
  name: string;
  deleted: number;
  seconds: number;
  idleRss: number;
  peakRss: number;
  idle: LatencySummary;
  during: LatencySummary;
}

export function rowsPerSecond(outcome: Outcome): number {
  return outcome.deleted / outcome.seconds;
}

/** A plain-text table: one row per subject. */
export function table(outcomes: Outcome[]): string {
  const header = [
    "subject",
    "deleted",
    "time",
    "rows/s",
    "RSS idle → peak (Δ)",
    "load p99 idle → during (×)",
    "loads during",
  ];
  const rows = outcomes.map((o) => [
    o.name,
    o.deleted.toLocaleString("en-US"),
    `${o.seconds.toFixed(2)} s`,
    Math.round(rowsPerSecond(o)).toLocaleString("en-US"),
    `${mib(o.idleRss)} → ${mib(o.peakRss)} (+${mib(o.peakRss - o.idleRss)})`,
    `${ms(o.idle.p99)} → ${ms(o.during.p99)} (${(o.during.p99 / o.idle.p99).toFixed(2)}×)`,
    o.during.loads.toLocaleString("en-US"),
  ]);
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => row[i]?.length ?? 0)));
  return [header, ...rows].map((row) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ")).join("\n");
}
