// `npm run bench:cleanup`: the batched cleanup on PostgreSQL against a single plain DELETE.
// Fills 1,000,000 expired and 100,000 live sessions (server-side, INSERT … SELECT generate_series),
// then for each subject measures rows deleted per second, this process's peak RSS against its
// idle RSS, and the p99 of session loads another process runs meanwhile against the same loads on
// the idle database. Creates and drops its own schema; PRISMA_SESSIONS_PG_URL selects the server.
// BENCH_ORDER=shuffled scatters the deadlines over the table (the worst case; see fill()).
// BENCH_EXPIRED, BENCH_LIVE and BENCH_BATCH_SIZE change the sizes.

import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { cleanupExpiredSessions } from "../src/cleanup/cleanup.js";
import { openDatabase } from "../src/cli/connect.js";
import type { CleanupTarget } from "../src/connector.js";
import { PrismaConnector } from "../src/connectors/prisma.js";
import { PrismaCleanupTarget } from "../src/storage/prisma-target.js";
import {
  countRows,
  dropSchema,
  fill,
  prismaClient,
  resetSchema,
  SCHEMA,
  SCHEMA_URL,
  schemaPool,
} from "./bench-cleanup/database.js";
import { LoadProcess } from "./bench-cleanup/loads.js";
import { type Outcome, rowsPerSecond, sampleRss, table } from "./bench-cleanup/measure.js";

const EXPIRED = Number(process.env.BENCH_EXPIRED ?? 1_000_000);
const LIVE = Number(process.env.BENCH_LIVE ?? 100_000);
const BATCH_SIZE = Number(process.env.BENCH_BATCH_SIZE ?? 1000);
const ORDER = process.env.BENCH_ORDER === "shuffled" ? "shuffled" : "ordered";
const IDLE_MS = 3000;
const TARGETS = { memoryMiB: 50, rateShare: 0.5, p99Factor: 3 };

/** A way to delete the expired rows: open (and warm up), run, close. */
interface Subject {
  name: string;
  open(): Promise<{ run(): Promise<number>; close(): Promise<void> }>;
}

/** A cleanupExpiredSessions subject: the target is warmed up (one count) before the clock starts. */
function cleanupSubject(name: string, open: () => Promise<{ target: CleanupTarget; close(): Promise<void> }>): Subject {
  return {
    name: `cleanup: ${name}`,
    open: async () => {
      const { target, close } = await open();
      await target.countExpiredSessions(new Date(0));
      return { run: async () => (await cleanupExpiredSessions(target, { batchSize: BATCH_SIZE })).deleted, close };
    },
  };
}

const subjects: Subject[] = [
  cleanupSubject("command-line SQL (adapter-pg)", async () => {
    const db = await openDatabase(SCHEMA_URL, "sessions");
    return { target: db.sessions, close: () => db.close() };
  }),
  cleanupSubject("PrismaCleanupTarget (raw SQL via Prisma 7)", async () => {
    const prisma = prismaClient();
    return { target: new PrismaCleanupTarget(prisma, { provider: "postgresql" }), close: () => prisma.$disconnect() };
  }),
  cleanupSubject("PrismaCleanupTarget + pg pool (server-side batches)", async () => {
    const pool = schemaPool(10);
    const prisma = prismaClient(pool);
    return {
      target: new PrismaCleanupTarget(prisma, { provider: "postgresql", pool }),
      close: async () => {
        await prisma.$disconnect();
        await pool.end();
      },
    };
  }),
  cleanupSubject("PrismaConnector (Prisma 7 queries)", async () => {
    const prisma = prismaClient();
    return { target: new PrismaConnector(prisma), close: () => prisma.$disconnect() };
  }),
  {
    name: "single plain DELETE (pg)",
    open: async () => {
      const pool = schemaPool(1);
      await pool.query("SELECT 1");
      return {
        run: async () =>
          (await pool.query("DELETE FROM sessions WHERE expires_at < now() AT TIME ZONE 'utc'")).rowCount ?? 0,
        close: () => pool.end(),
      };
    },
  },
];

function log(message: string): void {
  process.stderr.write(`# ${message}\n`);
}

async function measure(subject: Subject, admin: ReturnType<typeof schemaPool>, loads: LoadProcess): Promise<Outcome> {
  log(
    `${subject.name}: filling ${EXPIRED.toLocaleString("en-US")} expired + ${LIVE.toLocaleString("en-US")} live rows`,
  );
  await resetSchema(admin);
  await fill(admin, EXPIRED, LIVE, ORDER);
  await loads.prepare();
  const { latency: idle } = await loads.during(() => sleep(IDLE_MS));
  const opened = await subject.open();
  globalThis.gc?.();
  const idleRss = process.memoryUsage.rss();
  const sampler = sampleRss();
  const started = performance.now();
  log(`${subject.name}: deleting`);
  const { result: deleted, latency: during } = await loads.during(() => opened.run());
  const seconds = (performance.now() - started) / 1000;
  const peakRss = sampler.stop();
  await opened.close();
  const left = await countRows(admin);
  if (left.expired !== 0 || left.live !== LIVE || deleted !== EXPIRED) {
    throw new Error(`${subject.name}: deleted ${deleted}, left ${JSON.stringify(left)}`);
  }
  return { name: subject.name, deleted, seconds, idleRss, peakRss, idle, during };
}

function verdicts(outcomes: Outcome[]): string[] {
  const plain = outcomes.find((o) => o.name.startsWith("single plain DELETE"));
  const lines: string[] = [];
  for (const o of outcomes.filter((outcome) => outcome !== plain)) {
    const grew = (o.peakRss - o.idleRss) / (1024 * 1024);
    const share = plain ? rowsPerSecond(o) / rowsPerSecond(plain) : Number.NaN;
    const factor = o.during.p99 / o.idle.p99;
    const mark = (ok: boolean) => (ok ? "met" : "MISSED");
    lines.push(
      `${o.name}: memory +${grew.toFixed(1)} MiB (target ≤ ${TARGETS.memoryMiB}: ${mark(grew <= TARGETS.memoryMiB)}); ` +
        `rate ${(share * 100).toFixed(0)}% of the plain DELETE (target ≥ ${TARGETS.rateShare * 100}%: ${mark(share >= TARGETS.rateShare)}); ` +
        `load p99 ${factor.toFixed(2)}× idle (target ≤ ${TARGETS.p99Factor}×: ${mark(factor <= TARGETS.p99Factor)})`,
    );
  }
  if (plain) lines.push(`${plain.name}: load p99 ${(plain.during.p99 / plain.idle.p99).toFixed(2)}× idle`);
  return lines;
}

const admin = schemaPool(2);
const loads = await LoadProcess.start();
try {
  const outcomes: Outcome[] = [];
  for (const subject of subjects) outcomes.push(await measure(subject, admin, loads));
  console.log(
    `\nCleanup of ${EXPIRED.toLocaleString("en-US")} expired among ${(EXPIRED + LIVE).toLocaleString("en-US")} sessions, batch size ${BATCH_SIZE} (PostgreSQL, schema ${SCHEMA})\n`,
  );
  console.log(table(outcomes));
  console.log(`\n${verdicts(outcomes).join("\n")}`);
} finally {
  await loads.exit();
  await dropSchema(admin);
  await admin.end();
}
