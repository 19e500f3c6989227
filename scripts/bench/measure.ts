// Timing primitives. A run has `callers` loops issuing requests back to back for some seconds and
// records each request's latency, the Node process's CPU per request (process.cpuUsage), round
// trips and connections opened on the subject's pool. With one caller it also records each phase
// of a request (the load, the save, the touch) on its own, CPU and round trips included.
import { performance } from "node:perf_hooks";
import type { CountedPool } from "./database.js";

/** One request as a subject serves it: the load, then at most one write on what it loaded. */
export interface Loaded {
  /** Changes one key and saves. */
  save(value: number): Promise<void>;
  /** Saves without a change: a due deadline extension. */
  touch(): Promise<void>;
}

/** A session store measured, through its own API, on its own pool and its own seeded rows. */
export interface Subject {
  readonly name: string;
  readonly counted: CountedPool;
  /** The seeded session keys (cookie values) this subject reads. */
  readonly keys: readonly string[];
  /** Reads the session; throws when the seed is missing. */
  open(key: string): Promise<Loaded>;
  close(): Promise<void>;
}

export type OpKind = "get" | "set" | "touch";
export const PHASES = ["load", "save", "touch"] as const;
export type Phase = (typeof PHASES)[number];

/** What a workload asks for next. */
export interface Op {
  kind: OpKind;
  key: string;
  value: number;
}

export interface PhaseResult {
  latencies: number[];
  cpuUs: number;
  roundTrips: number;
}

export interface RunResult {
  ops: number;
  seconds: number;
  /** Per request. */
  cpuUs: number;
  roundTrips: number;
  connections: number;
  latencies: number[];
  /** Only with one caller. */
  phases: Record<Phase, PhaseResult> | null;
}

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** The value at quantile `q` of ascending `sorted`. */
export function quantile(sorted: readonly number[], q: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

function emptyPhases(): Record<Phase, PhaseResult> {
  return {
    load: { latencies: [], cpuUs: 0, roundTrips: 0 },
    save: { latencies: [], cpuUs: 0, roundTrips: 0 },
    touch: { latencies: [], cpuUs: 0, roundTrips: 0 },
  };
}

/** Runs `call` as one phase: its latency, CPU (summed) and round trips (summed). */
async function timed<T>(counted: CountedPool, phase: PhaseResult, call: () => Promise<T>): Promise<T> {
  const trips = counted.roundTrips();
  const cpu = cpuMicros();
  const start = performance.now();
  const result = await call();
  phase.latencies.push(performance.now() - start);
  phase.cpuUs += cpuMicros() - cpu;
  phase.roundTrips += counted.roundTrips() - trips;
  return result;
}

async function execute(subject: Subject, op: Op, phases: Record<Phase, PhaseResult> | null): Promise<void> {
  if (phases === null) {
    const loaded = await subject.open(op.key);
    if (op.kind === "set") await loaded.save(op.value);
    else if (op.kind === "touch") await loaded.touch();
    return;
  }
  const { counted } = subject;
  const loaded = await timed(counted, phases.load, () => subject.open(op.key));
  if (op.kind === "set") await timed(counted, phases.save, () => loaded.save(op.value));
  else if (op.kind === "touch") await timed(counted, phases.touch, () => loaded.touch());
}

/** `callers` loops each run `next()`'s request back to back until `seconds` have passed. */
export async function run(subject: Subject, next: () => Op, callers: number, seconds: number): Promise<RunResult> {
  const phases = callers === 1 ? emptyPhases() : null;
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  const trips = subject.counted.roundTrips();
  const connections = subject.counted.connections();
  const cpu = cpuMicros();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      for (let begin = performance.now(); begin < deadline; begin = performance.now()) {
        await execute(subject, next(), phases);
        latencies.push(performance.now() - begin);
      }
    }),
  );
  const ops = latencies.length;
  return {
    ops,
    seconds: (performance.now() - start) / 1000,
    cpuUs: (cpuMicros() - cpu) / ops,
    roundTrips: (subject.counted.roundTrips() - trips) / ops,
    connections: subject.counted.connections() - connections,
    latencies,
    phases,
  };
}

/** Throughput of any call (for the probes): `callers` loops calling `op` back to back for `seconds`. */
export async function throughput(
  counted: CountedPool,
  callers: number,
  seconds: number,
  op: (caller: number) => Promise<void>,
): Promise<{ ops: number; seconds: number; cpuUs: number; roundTrips: number }> {
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
  return {
    ops,
    seconds: (performance.now() - start) / 1000,
    cpuUs: (cpuMicros() - cpu) / ops,
    roundTrips: (counted.roundTrips() - trips) / ops,
  };
}

/** Operations per second of a run. */
export function opsPerSecond(result: { ops: number; seconds: number }): number {
  return result.ops / result.seconds;
}

function combinePhases(list: Record<Phase, PhaseResult>[]): Record<Phase, PhaseResult> {
  const merged = emptyPhases();
  for (const phases of list) {
    for (const phase of PHASES) {
      merged[phase].latencies.push(...phases[phase].latencies);
      merged[phase].cpuUs += phases[phase].cpuUs;
      merged[phase].roundTrips += phases[phase].roundTrips;
    }
  }
  return merged;
}

/** Sums several runs of the same workload into one result. */
export function combine(results: RunResult[]): RunResult {
  const ops = results.reduce((sum, r) => sum + r.ops, 0);
  const phases = results.flatMap((r) => (r.phases === null ? [] : [r.phases]));
  return {
    ops,
    seconds: results.reduce((sum, r) => sum + r.seconds, 0),
    cpuUs: results.reduce((sum, r) => sum + r.cpuUs * r.ops, 0) / ops,
    roundTrips: results.reduce((sum, r) => sum + r.roundTrips * r.ops, 0) / ops,
    connections: results.reduce((sum, r) => sum + r.connections, 0),
    latencies: results.flatMap((r) => r.latencies),
    phases: phases.length === 0 ? null : combinePhases(phases),
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
