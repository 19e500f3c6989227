// `npm run bench:http`: requests per second and p99 latency of the same small app (read the
// session on 80 % of requests, change it on 15 %, log in on 5 %) over real HTTP on loopback, with
// autocannon, on:
//   Express + our middleware                 Express + express-session + our ExpressSessionStore
//   Fastify + our plugin                     Fastify + @fastify/session, in-memory store (the ceiling)
//   Hono (@hono/node-server) + our middleware
//   Fastify + our plugin with the session cache (prisma-sessions/cache, LISTEN/NOTIFY invalidation)
//   Fastify making only the one primary-key read per request (the database path's own floor)
// each of ours on PostgreSQL through PrismaAdapterConnector and PrismaConnector, in one run. Each
// app runs in its own process; the subjects take turns, round after round, in rotated order so
// that drift and noise hit them alike; the table gives each one's range over the rounds.
// `npm run bench:http -- --rounds 5 --seconds 10 --connections 16 --only express,fastify`. PRISMA_SESSIONS_PG_URL selects
// the server; the benchmark creates and drops its own schema.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../prisma/generated/postgresql/client.js";
import { ensureInvalidationTrigger } from "../src/setup/ensure-invalidation-trigger.js";
import { ensureSessionTable } from "../src/setup/ensure-session-table.js";
import { type LoadResult, load } from "./bench-http/load.js";

const URL = process.env.PRISMA_SESSIONS_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
const SCHEMA = "prisma_sessions_bench_http";
const PORT = 4610;
const WARMUP_SECONDS = 2;
const TARGETS = { fastify: 0.8, express: 1.0 };

interface Subject {
  label: string;
  /** The process that serves it: a TypeScript subject of ./bench-http/server.ts, or the .mjs ceiling. */
  args: string[];
}

const server = (subject: string, connector: string): string[] => [
  "--import",
  "tsx",
  "scripts/bench-http/server.ts",
  subject,
  connector,
  String(PORT),
  SCHEMA,
];

const SUBJECTS: Subject[] = [
  ...["adapter", "prisma"].flatMap((connector) => [
    { label: `express + ours (${connector})`, args: server("express", connector) },
    { label: `express + express-session (${connector})`, args: server("express-session", connector) },
    { label: `fastify + ours (${connector})`, args: server("fastify", connector) },
    { label: `hono + ours (${connector})`, args: server("hono", connector) },
  ]),
  { label: "fastify + ours (adapter + cache)", args: server("fastify", "cached") },
  { label: "express + ours (adapter + cache)", args: server("express", "cached") },
  {
    label: "fastify + @fastify/session (memory)",
    args: ["scripts/bench-http/fastify-session-server.mjs", String(PORT)],
  },
  {
    label: "fastify, one getSession per request, no session layer (adapter)",
    args: server("fastify-floor", "adapter"),
  },
];

function log(message: string): void {
  process.stderr.write(`# ${message}\n`);
}

async function prepare(admin: pg.Client): Promise<void> {
  await admin.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`);
  await admin.query(`CREATE SCHEMA "${SCHEMA}"`);
  const prisma = new PrismaClient({
    adapter: new PrismaPg({ connectionString: URL, options: `-c search_path=${SCHEMA}` }, { schema: SCHEMA }),
  });
  try {
    await ensureSessionTable(prisma, { provider: "postgresql" });
    await ensureInvalidationTrigger(prisma, { provider: "postgresql" });
  } finally {
    await prisma.$disconnect();
  }
}

async function start(subject: Subject): Promise<ChildProcess> {
  const child = spawn(process.execPath, subject.args, {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, NODE_ENV: "production" },
  });
  let output = "";
  child.stdout?.setEncoding("utf8");
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: string) => {
      output += chunk;
      if (output.includes("ready")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`${subject.label} exited (${code}) before it was ready`)));
  });
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  await exited;
}

/** CPU seconds (user + system) a process has used, from /proc (Linux): contention slows it less than throughput. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  // After the command name: state is field 3, utime 14 and stime 15 (man 5 proc), in clock ticks.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface Measured extends LoadResult {
  /** Server CPU per answered request, µs. */
  cpuMicros: number;
}

function rotated<T>(items: T[], turn: number): T[] {
  const shift = turn % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

const range = (values: number[], digits = 0): string => {
  const sorted = [...values].sort((a, b) => a - b);
  const format = (value: number | undefined) => (value ?? Number.NaN).toFixed(digits);
  return `${format(sorted[0])}–${format(sorted.at(-1))}`;
};

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: "string", default: "3" },
      seconds: { type: "string", default: "8" },
      connections: { type: "string", default: "16" },
      only: { type: "string", default: "" },
    },
  });
  // `--only express` runs the subjects whose label contains one of the comma-separated words.
  const words = values.only.split(",").filter((word) => word.length > 0);
  const chosen = SUBJECTS.filter((subject) => words.length === 0 || words.some((word) => subject.label.includes(word)));
  const rounds = Number(values.rounds);
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);
  const admin = new pg.Client({ connectionString: URL });
  await admin.connect();
  const results = new Map<string, Measured[]>(chosen.map((subject) => [subject.label, []]));
  try {
    await prepare(admin);
    for (let round = 0; round < rounds; round++) {
      for (const subject of rotated(chosen, round)) {
        await admin.query(`TRUNCATE "${SCHEMA}".sessions`);
        const child = await start(subject);
        try {
          await load(PORT, connections, WARMUP_SECONDS);
          const pid = child.pid ?? 0;
          const before = cpuSeconds(pid);
          const loaded = await load(PORT, connections, seconds);
          const result = { ...loaded, cpuMicros: ((cpuSeconds(pid) - before) * 1e6) / Math.max(1, loaded.requests) };
          results.get(subject.label)?.push(result);
          log(
            `round ${round + 1}/${rounds} ${subject.label}: ${result.requestsPerSecond.toFixed(0)} req/s, ` +
              `p99 ${result.p99Ms} ms, ${result.cpuMicros.toFixed(0)} µs CPU/request, ${result.failures} failures`,
          );
        } finally {
          await stop(child);
        }
      }
    }
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`).catch(() => {});
    await admin.end();
  }

  const rps = (label: string) => (results.get(label) ?? []).map((result) => result.requestsPerSecond);
  const cpu = (label: string) => (results.get(label) ?? []).map((result) => result.cpuMicros);
  console.log(`\n${connections} connections, ${seconds} s per measurement, ${rounds} rounds (range over the rounds)\n`);
  console.log("| subject | req/s | median req/s | p99 ms | server CPU µs/request (median) | failures |");
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const subject of chosen) {
    const runs = results.get(subject.label) ?? [];
    const failures = runs.reduce((sum, run) => sum + run.failures, 0);
    console.log(
      `| ${subject.label} | ${range(rps(subject.label))} | ${median(rps(subject.label)).toFixed(0)} | ` +
        `${range(runs.map((run) => run.p99Ms))} | ${range(cpu(subject.label))} (${median(cpu(subject.label)).toFixed(0)}) | ${failures} |`,
    );
  }
  // Ratios round by round (the two subjects of a ratio ran in the same round, minutes apart at most).
  const ratios: [string, string, string, number | null][] = [];
  for (const connector of ["adapter", "prisma"]) {
    ratios.push(
      [
        `fastify + ours (${connector})`,
        "fastify + @fastify/session (memory)",
        "@fastify/session memory",
        TARGETS.fastify,
      ],
      [
        `express + ours (${connector})`,
        `express + express-session (${connector})`,
        "express-session + our store",
        TARGETS.express,
      ],
    );
  }
  ratios.push([
    "fastify + ours (adapter + cache)",
    "fastify + @fastify/session (memory)",
    "@fastify/session memory",
    TARGETS.fastify,
  ]);
  ratios.push([
    "fastify + ours (adapter)",
    "fastify, one getSession per request, no session layer (adapter)",
    "one getSession per request",
    null,
  ]);
  console.log("\n| ratio of req/s | per round | median | target | CPU µs/request, baseline / ours (median) |");
  console.log("| --- | --- | --- | --- | --- |");
  for (const [ours, baseline, name, target] of ratios) {
    const a = rps(ours);
    const b = rps(baseline);
    if (a.length === 0 || b.length === 0) continue;
    const values = a.map((value, i) => value / (b[i] ?? Number.NaN));
    const verdict = target === null ? "(context)" : `≥ ${target} (${median(values) >= target ? "met" : "missed"})`;
    const efficiency = median(cpu(baseline)) / median(cpu(ours));
    console.log(
      `| ${ours} / ${name} | ${range(values, 2)} | ${median(values).toFixed(2)} | ${verdict} | ${efficiency.toFixed(2)} |`,
    );
  }
}

await main();
