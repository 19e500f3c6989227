// What the scale benchmark asks of a table through the library's own connector
// (PrismaAdapterConnector on a pg pool): sequential loads for latency, and mixed traffic (loads,
// sliding touches, new sessions, sign-outs) from concurrent callers for bloat.
import { createHash } from "node:crypto";
import { performance } from "node:perf_hooks";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import type { SessionConnector } from "../../src/connector.js";
import { PrismaAdapterConnector } from "../../src/connectors/prisma-adapter.js";
import type { Layout } from "./data.js";

const DAY = 86_400_000;

/** The id of generated row g (as data.ts's idSql computes it). */
export function idOf(g: number): string {
  return createHash("sha256").update(`scale-${g}`).digest("hex");
}

/**
 * A pool whose idle connections may be cut by the server (the benchmark's cluster stops at the
 * end): a pool reports that as an `error` event, which would end the process before it exits.
 */
export function quietPool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on("error", (error) => process.stderr.write(`# an idle connection ended: ${error.message}\n`));
  return pool;
}

/** The connector on `layout`'s table (in schema `layout` + `suffix`), on a pool of its own. */
export function openConnector(
  url: string,
  layout: Layout,
  max = 10,
  suffix = "",
): { connector: SessionConnector; close(): Promise<void> } {
  const pool = quietPool(url, max);
  const connector = new PrismaAdapterConnector(new PrismaPg(pool), { table: `${layout}${suffix}.sessions` });
  return { connector, close: () => pool.end() };
}

export interface Latency {
  p50: number;
  p99: number;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
}

/** `count` loads of random ids among rows 1..rows, one at a time, after `warmup` unmeasured ones. */
export async function measureLoads(
  connector: SessionConnector,
  rows: number,
  count: number,
  warmup = 1000,
): Promise<Latency> {
  const times: number[] = [];
  for (let i = 0; i < warmup + count; i++) {
    const id = idOf(1 + Math.floor(Math.random() * rows));
    const started = performance.now();
    const found = await connector.getSession(id);
    const took = performance.now() - started;
    if (found === null) throw new Error(`row ${id} is missing`);
    if (i >= warmup) times.push(took);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99) };
}

/**
 * `count` loads of a small and `count` of a large table, taken in turns, one load each: both see
 * the same machine at the same moment. On a shared machine a burst of someone else's work lasts
 * longer than a load, and alternating rounds of hundreds of loads left it in one table's figures
 * and not the other's (a p99 ratio of 3.43× in one 10 M run, 1.48× in the run before, same data).
 */
export async function compareLoads(
  small: { connector: SessionConnector; rows: number },
  large: { connector: SessionConnector; rows: number },
  count: number,
): Promise<{ small: Latency; large: Latency }> {
  const times = { small: [] as number[], large: [] as number[] };
  const order = [
    ["small", small],
    ["large", large],
  ] as const;
  for (let turn = 0; turn < count; turn++) {
    // Each side goes first every other turn.
    for (const [name, side] of turn % 2 === 0 ? order : [...order].reverse()) {
      const id = idOf(1 + Math.floor(Math.random() * side.rows));
      const started = performance.now();
      if ((await side.connector.getSession(id)) === null) throw new Error(`row ${id} is missing`);
      times[name].push(performance.now() - started);
    }
  }
  const summary = (list: number[]) => {
    list.sort((a, b) => a - b);
    return { p50: percentile(list, 0.5), p99: percentile(list, 0.99) };
  };
  return { small: summary(times.small), large: summary(times.large) };
}

export interface TrafficCount {
  loads: number;
  touches: number;
  creates: number;
  destroys: number;
}

/**
 * `callers` concurrent callers for `seconds`, each request: a load of a random session (90 %),
 * a sliding touch of it (8 %: its deadline moves 2 days on, as a request past half the idle window
 * does), a new session (1.5 %) or a sign-out (0.5 %).
 */
export async function mixedTraffic(
  connector: SessionConnector,
  rows: number,
  seconds: number,
  callers: number,
): Promise<TrafficCount> {
  const count: TrafficCount = { loads: 0, touches: 0, creates: 0, destroys: 0 };
  const end = performance.now() + seconds * 1000;
  let fresh = 0;
  const caller = async (index: number) => {
    while (performance.now() < end) {
      const roll = Math.random();
      const id = idOf(1 + Math.floor(Math.random() * rows));
      const now = new Date();
      if (roll < 0.9) {
        await connector.getSession(id);
        count.loads++;
      } else if (roll < 0.98) {
        await connector.touchSession(id, new Date(now.getTime() + 2 * DAY), now);
        count.touches++;
      } else if (roll < 0.995) {
        fresh++;
        await connector.createSession({
          id: idOf(-(index * 1e9 + fresh)),
          data: '{"cart":[],"theme":"light"}',
          userId: `user-${fresh % 1000}`,
          version: 1,
          expiresAt: new Date(now.getTime() + 2 * DAY),
          absoluteExpiresAt: new Date(now.getTime() + 30 * DAY),
          browserSession: false,
          createdAt: now,
          updatedAt: now,
          userAgent: "bench",
          clientAddress: "203.0.113.9",
        });
        count.creates++;
      } else {
        await connector.destroySession(id);
        count.destroys++;
      }
    }
  };
  await Promise.all(Array.from({ length: callers }, (_, index) => caller(index + 1)));
  return count;
}
