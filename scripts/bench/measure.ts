// Timing primitives: per-call latency for a single caller, and throughput with CPU cost for many
// concurrent callers. Both also report round trips per operation from the subject's pool.
import { performance } from "node:perf_hooks";
import type { CountedPool } from "./database.js";

export interface LatencyResult {
  medianMs: number;
  p99Ms: number;
  /** Node-process CPU (user + system) per call, in µs. */
  cpuUs: number;
  roundTrips: number;
}

export interface ThroughputResult {
  ops: number;
  seconds: number;
  cpuUs: number;
  roundTrips: number;
}

function quantile(sorted: number[], q: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** Collects the timed part of calls one at a time; prepare steps run outside the clock. */
export class LatencyRecorder {
  readonly #samples: number[] = [];
  #cpu = 0;
  #roundTrips = 0;

  constructor(readonly counted: CountedPool) {}

  async time(call: () => Promise<void>): Promise<void> {
    const trips = this.counted.roundTrips();
    const cpu = cpuMicros();
    const start = performance.now();
    await call();
    this.#samples.push(performance.now() - start);
    this.#cpu += cpuMicros() - cpu;
    this.#roundTrips += this.counted.roundTrips() - trips;
  }

  result(): LatencyResult {
    const sorted = [...this.#samples].sort((a, b) => a - b);
    const n = sorted.length;
    return {
      medianMs: quantile(sorted, 0.5),
      p99Ms: quantile(sorted, 0.99),
      cpuUs: this.#cpu / n,
      roundTrips: this.#roundTrips / n,
    };
  }
}

/** `callers` loops each run `op` back to back until `seconds` have passed. */
export async function throughput(
  counted: CountedPool,
  callers: number,
  seconds: number,
  op: (caller: number) => Promise<void>,
): Promise<ThroughputResult> {
  const deadline = performance.now() + seconds * 1000;
  let ops = 0;
  const trips = counted.roundTrips();
  const cpu = cpuMicros();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async (_, caller) => {
      while (performance.now() < deadline) {
        await op(caller);
        ops++;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  return {
    ops,
    seconds: elapsed,
    cpuUs: (cpuMicros() - cpu) / ops,
    roundTrips: (counted.roundTrips() - trips) / ops,
  };
}

/** Operations per second of a run. */
export function opsPerSecond(result: ThroughputResult): number {
  return result.ops / result.seconds;
}

/** Sums several runs of the same workload into one result. */
export function combine(results: ThroughputResult[]): ThroughputResult {
  const ops = results.reduce((sum, r) => sum + r.ops, 0);
  return {
    ops,
    seconds: results.reduce((sum, r) => sum + r.seconds, 0),
    cpuUs: results.reduce((sum, r) => sum + r.cpuUs * r.ops, 0) / ops,
    roundTrips: results.reduce((sum, r) => sum + r.roundTrips * r.ops, 0) / ops,
  };
}

/** A small deterministic PRNG (mulberry32), so every run draws the same sequence of operations. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
