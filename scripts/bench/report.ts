// Plain-text tables for the benchmark's output.
import { type LatencyResult, opsPerSecond, type ThroughputResult } from "./measure.js";

type Cell = string | number;

function format(cell: Cell): string {
  if (typeof cell === "string") return cell;
  if (!Number.isFinite(cell)) return "-";
  if (Math.abs(cell) >= 100) return cell.toFixed(0);
  if (Math.abs(cell) >= 10) return cell.toFixed(1);
  return cell.toFixed(2);
}

/** Prints rows under a header, the first column left-aligned and the rest right-aligned. */
export function table(header: string[], rows: Cell[][]): void {
  const text = [header, ...rows.map((row) => row.map(format))];
  const widths = header.map((_, c) => Math.max(...text.map((row) => (row[c] ?? "").length)));
  const line = (row: string[]) =>
    row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of text.slice(1)) console.log(line(row));
}

export function ratio(a: number, b: number): string {
  return `${(a / b).toFixed(2)}x`;
}

export function latencyRows(name: string, ours: LatencyResult, raw: LatencyResult): Cell[][] {
  return [
    [
      name,
      ours.medianMs,
      raw.medianMs,
      ratio(ours.medianMs, raw.medianMs),
      ours.p99Ms,
      raw.p99Ms,
      ratio(ours.p99Ms, raw.p99Ms),
      ours.cpuUs,
      raw.cpuUs,
      ours.roundTrips,
      raw.roundTrips,
    ],
  ];
}

export const LATENCY_HEADER = [
  "operation (1 caller)",
  "ours med ms",
  "raw med ms",
  "ratio",
  "ours p99 ms",
  "raw p99 ms",
  "ratio",
  "ours CPU µs",
  "raw CPU µs",
  "ours trips",
  "raw trips",
];

export const THROUGHPUT_HEADER = [
  "workload (16 callers, pool 10)",
  "ours ops/s",
  "raw ops/s",
  "ours/raw",
  "target",
  "ours CPU µs/op",
  "raw CPU µs/op",
  "ratio",
  "ours trips/op",
  "raw trips/op",
];

export function throughputRow(name: string, target: number, ours: ThroughputResult, raw: ThroughputResult): Cell[] {
  const oursRate = opsPerSecond(ours);
  const rawRate = opsPerSecond(raw);
  const met = oursRate >= target * rawRate;
  return [
    name,
    oursRate,
    rawRate,
    ratio(oursRate, rawRate),
    `≥ ${target.toFixed(1)}x ${met ? "MET" : "MISSED"}`,
    ours.cpuUs,
    raw.cpuUs,
    ratio(ours.cpuUs, raw.cpuUs),
    ours.roundTrips,
    raw.roundTrips,
  ];
}
