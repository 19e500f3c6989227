// Plain-text tables for the benchmark's output; every ratio is to the baseline measured in the same run.
import { opsPerSecond, type PhaseResult, quantile, type RunResult } from "./measure.js";

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

function sorted(latencies: readonly number[]): number[] {
  return [...latencies].sort((a, b) => a - b);
}

/** A measured system's result next to the baseline's. */
export interface Row {
  name: string;
  result: RunResult;
}

/** (B): throughput, latency, CPU and round trips per request. */
export function throughputTable(rows: Row[], baseline: RunResult): void {
  const base = opsPerSecond(baseline);
  table(
    ["system", "ops/s", "× raw", "p50 ms", "p99 ms", "CPU µs/op", "× raw", "trips/op", "new conns"],
    rows.map(({ name, result }) => {
      const ordered = sorted(result.latencies);
      return [
        name,
        opsPerSecond(result),
        ratio(opsPerSecond(result), base),
        quantile(ordered, 0.5),
        quantile(ordered, 0.99),
        result.cpuUs,
        ratio(result.cpuUs, baseline.cpuUs),
        result.roundTrips,
        result.connections,
      ];
    }),
  );
}

function phaseCells(phase: PhaseResult, base: PhaseResult): Cell[] {
  const n = phase.latencies.length;
  const p50 = quantile(sorted(phase.latencies), 0.5);
  const baseP50 = quantile(sorted(base.latencies), 0.5);
  const cpu = phase.cpuUs / n;
  const baseCpu = base.cpuUs / base.latencies.length;
  return [p50, ratio(p50, baseP50), cpu, ratio(cpu, baseCpu), phase.roundTrips / n];
}

/** (A): one caller; each phase of a request on its own (the load of every request, the save, the touch). */
export function phaseTable(rows: Row[], baseline: RunResult): void {
  const base = baseline.phases;
  if (base === null) throw new Error("phases are recorded with one caller only");
  table(
    [
      "system",
      "ops/s",
      "× raw",
      "CPU µs/op",
      "× raw",
      "load p50 ms",
      "× raw",
      "load CPU µs",
      "× raw",
      "trips",
      "save p50 ms",
      "× raw",
      "save CPU µs",
      "× raw",
      "trips",
      "touch p50 ms",
      "× raw",
      "touch CPU µs",
      "× raw",
      "trips",
    ],
    rows.map(({ name, result }) => {
      const phases = result.phases;
      if (phases === null) throw new Error("phases are recorded with one caller only");
      return [
        name,
        opsPerSecond(result),
        ratio(opsPerSecond(result), opsPerSecond(baseline)),
        result.cpuUs,
        ratio(result.cpuUs, baseline.cpuUs),
        ...phaseCells(phases.load, base.load),
        ...phaseCells(phases.save, base.save),
        ...phaseCells(phases.touch, base.touch),
      ];
    }),
  );
}

/** The summary: mixed throughput and CPU per request under 16 callers, as ratios to raw. */
export function summaryTable(rows: Row[], baseline: RunResult, single: Map<string, RunResult>, singleBase: RunResult) {
  table(
    ["system", "B ops/s × raw", "B CPU/op × raw", "B p99 ms", "A ops/s × raw", "A CPU/op × raw"],
    rows.map(({ name, result }) => {
      const one = single.get(name);
      return [
        name,
        ratio(opsPerSecond(result), opsPerSecond(baseline)),
        ratio(result.cpuUs, baseline.cpuUs),
        quantile(sorted(result.latencies), 0.99),
        one === undefined ? "-" : ratio(opsPerSecond(one), opsPerSecond(singleBase)),
        one === undefined ? "-" : ratio(one.cpuUs, singleBase.cpuUs),
      ];
    }),
  );
}

/** The prototype's targets, each met or missed. */
export interface Target {
  what: string;
  value: number;
  /** The ratio (or count) must be at least `min`, or at most `max`. */
  min?: number;
  max?: number;
}

export function targetTable(name: string, targets: Target[]): void {
  console.log(`\ntargets, ${name}:`);
  table(
    ["target", "measured", "wanted", "verdict"],
    targets.map(({ what, value, min, max }) => {
      const met = (min === undefined || value >= min) && (max === undefined || value <= max);
      const wanted = min !== undefined ? `≥ ${min.toFixed(2)}` : `≤ ${(max ?? 0).toFixed(2)}`;
      return [what, value.toFixed(2), wanted, met ? "MET" : "MISSED"];
    }),
  );
}
