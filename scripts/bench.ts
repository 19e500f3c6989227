// `npm run bench`: prisma-sessions (SessionStore on PrismaConnector and on PrismaAdapterConnector,
// Prisma 7 + @prisma/adapter-pg) against the raw `pg` driver running the equivalent SQL on the same
// PostgreSQL table. Creates and drops its own schema; PRISMA_SESSIONS_PG_URL selects the server.
// `npm run bench -- --connector prisma,adapter,prisma-sql,pg` also runs "ours" on prototype
// connectors (scripts/bench/prototypes.ts), to measure what another query path would buy.
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import pg from "pg";
import { hashSessionKey } from "../src/keys.js";
import { createSchema, dropSchema, rearmTouches, SCHEMA, seedSessions, settle, TABLE } from "./bench/database.js";
import {
  combine,
  LatencyRecorder,
  type LatencyResult,
  opsPerSecond,
  type ThroughputResult,
  throughput,
} from "./bench/measure.js";
import { LATENCY_HEADER, latencyRows, THROUGHPUT_HEADER, table, throughputRow } from "./bench/report.js";
import { CONNECTORS, type ConnectorKind, ours, raw, type Subject } from "./bench/subjects.js";
import { loadsOnly, MIX, mixed, type Workload } from "./bench/workloads.js";

const URL = process.env.PRISMA_SESSIONS_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
const POOL_MAX = 10;
const CALLERS = 16;
const SESSIONS = 10_000;
/** Deadline of seeded rows, in days: under half of the 7-day idle window, so a touch is due. */
const DUE_IN_DAYS = 3;
const SAMPLES = { load: 2000, save: 1000, touch: 1000, destroy: 1000 };
const RUN_SECONDS = 2;
const ROUNDS = 6;
const TARGETS = { loads: 0.9, mixed: 0.7 };

type Counts = ReturnType<Workload["counts"]>;

function log(message: string): void {
  process.stderr.write(`# ${message}\n`);
}

/** `--connector a,b`: which connectors "ours" runs on, each measured against the same raw baseline. */
function connectorOption(): ConnectorKind[] {
  const { values } = parseArgs({ options: { connector: { type: "string", default: "prisma,adapter" } } });
  return values.connector.split(",").map((name) => {
    const kind = CONNECTORS.find((known) => known === name);
    if (kind === undefined) throw new Error(`--connector takes a list of ${CONNECTORS.join(", ")}`);
    return kind;
  });
}

/** Rotates which subject goes first, so drift and noise hit every subject alike. */
function rotated<T>(items: T[], turn: number): T[] {
  const shift = turn % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

/** Single-caller latency; the subjects take turns call by call. */
async function latency(
  subjects: Subject[],
  samples: number,
  call: (subject: Subject, recorder: LatencyRecorder, sample: number, slot: number) => Promise<void>,
): Promise<LatencyResult[]> {
  const recorders = subjects.map((subject) => new LatencyRecorder(subject.counted));
  const slots = subjects.map((_, slot) => slot);
  for (let sample = 0; sample < samples; sample++) {
    for (const slot of rotated(slots, sample)) {
      const subject = subjects[slot];
      const recorder = recorders[slot];
      if (subject && recorder) await call(subject, recorder, sample, slot);
    }
  }
  return recorders.map((recorder) => recorder.result());
}

/** ROUNDS runs of RUN_SECONDS per subject, the order rotating each round, summed per subject. */
async function runs(
  subjects: Subject[],
  make: (subject: Subject, seed: number) => Workload,
  before: () => Promise<void>,
): Promise<{ results: ThroughputResult[]; counts: Counts[] }> {
  const results = subjects.map((): ThroughputResult[] => []);
  const counts: Counts[] = [];
  const slots = subjects.map((_, slot) => slot);
  for (let round = 0; round < ROUNDS; round++) {
    for (const slot of rotated(slots, round)) {
      const subject = subjects[slot];
      if (subject === undefined) continue;
      await before();
      const workload = make(subject, 1000 + round);
      const result = await throughput(subject.counted, CALLERS, RUN_SECONDS, (caller) => workload.op(caller));
      results[slot]?.push(result);
      counts.push(workload.counts());
      log(`${subject.name} round ${round + 1}: ${opsPerSecond(result).toFixed(0)} ops/s`);
    }
  }
  return { results: results.map(combine), counts };
}

function percent(part: number, whole: number): string {
  return `${((100 * part) / whole).toFixed(1)}%`;
}

function at<T>(list: T[], index: number): T {
  const item = list[index];
  if (item === undefined) throw new Error(`no item ${index}`);
  return item;
}

async function main(): Promise<void> {
  const kinds = connectorOption();
  const started = Date.now();
  const admin = new pg.Pool({ connectionString: URL, max: 2 });
  const subjects: Subject[] = [];
  try {
    const version = await admin.query<{ server_version: string }>("SHOW server_version");
    await createSchema(admin);
    const width = kinds.length + 1;
    const keys = await seedSessions(admin, SESSIONS, DUE_IN_DAYS);
    const touchKeys = await seedSessions(admin, width * SAMPLES.touch, DUE_IN_DAYS);
    const destroyKeys = await seedSessions(admin, width * SAMPLES.destroy, DUE_IN_DAYS);
    await rearmTouches(admin, DUE_IN_DAYS);
    log(`schema ${SCHEMA} seeded in ${Date.now() - started} ms`);

    // Slot 0 is the raw baseline; every other slot is "ours" on one connector.
    subjects.push(raw(URL, POOL_MAX), ...kinds.map((kind) => ours(URL, POOL_MAX, kind)));
    for (const subject of subjects) {
      const workload = mixed(subject, keys, 7);
      await throughput(subject.counted, CALLERS, 1.5, (caller) => workload.op(caller));
    }
    log("warmed up");

    // Subjects never share a row: each takes its own slot among every `width` keys of a list.
    const key = (list: string[], sample: number, slot: number) => list[(width * sample + slot) % list.length] ?? "";
    const load = await latency(subjects, SAMPLES.load, (s, r, i, slot) => r.time(() => s.load(key(keys, i, slot))));
    const save = await latency(subjects, SAMPLES.save, async (s, r, i, slot) => {
      const saveIt = await s.prepareSave(key(keys, i + SAMPLES.load, slot));
      await r.time(() => saveIt(i));
    });
    const touch = await latency(subjects, SAMPLES.touch, async (s, r, i, slot) => {
      const touchIt = await s.prepareTouch(key(touchKeys, i, slot));
      await r.time(touchIt);
    });
    const destroy = await latency(subjects, SAMPLES.destroy, (s, r, i, slot) =>
      r.time(() => s.destroy(key(destroyKeys, i, slot))),
    );
    // The throughput runs see exactly the SESSIONS rows.
    await admin.query(`DELETE FROM ${TABLE} WHERE id = ANY($1::text[])`, [touchKeys.map(hashSessionKey)]);
    log("sequential latency done");

    const loads = await runs(
      subjects,
      (s, seed) => loadsOnly(s, keys, seed),
      () => settle(admin),
    );
    const mix = await runs(
      subjects,
      (s, seed) => mixed(s, keys, seed),
      async () => {
        await rearmTouches(admin, DUE_IN_DAYS);
        await settle(admin);
      },
    );

    console.log(
      `\nprisma-sessions benchmark: PostgreSQL ${version.rows[0]?.server_version}, Node ${process.version}, ` +
        `${availableParallelism()} CPUs, ${SESSIONS} sessions of ~1 KB, pool max ${POOL_MAX}. ` +
        `"ours" = SessionStore + PrismaConnector on Prisma 7 + @prisma/adapter-pg (errorFormat "minimal", as under NODE_ENV=production); "raw" = pg with the same SQL` +
        `${kinds.some((kind) => kind === "prisma-sql" || kind === "pg") ? "; (prisma-sql), (pg) = prototype connectors" : ""}\n`,
    );
    console.log("(a) sequential latency, one caller (CPU = Node process µs per call; trips = round trips per call)\n");
    const variants = subjects.slice(1).map((subject, i) => ({ subject, slot: i + 1 }));
    const latencyTable = (label: string, results: LatencyResult[]) =>
      variants.flatMap(({ subject, slot }) =>
        latencyRows(`${label}${variants.length > 1 ? `, ${subject.name}` : ""}`, at(results, slot), at(results, 0)),
      );
    table(LATENCY_HEADER, [
      ...latencyTable("load", load),
      ...latencyTable("save (set 1 key + save)", save),
      ...latencyTable("touch (deadline only)", touch),
      ...latencyTable("destroy", destroy),
    ]);
    console.log(`\n(b) throughput, ${CALLERS} concurrent callers, ${ROUNDS} × ${RUN_SECONDS} s per subject\n`);
    const throughputTable = (label: string, target: number, results: ThroughputResult[]) =>
      variants.map(({ subject, slot }) =>
        throughputRow(
          `${label}${variants.length > 1 ? `, ${subject.name}` : ""}`,
          target,
          at(results, slot),
          at(results, 0),
        ),
      );
    table(THROUGHPUT_HEADER, [
      ...throughputTable("loads only", TARGETS.loads, loads.results),
      ...throughputTable("mixed 80/15/5", TARGETS.mixed, mix.results),
    ]);

    const drawn = mix.counts.reduce((t, c) => ({
      load: t.load + c.load,
      save: t.save + c.save,
      touch: t.touch + c.touch,
      staleTouches: t.staleTouches + c.staleTouches,
    }));
    const ops = drawn.load + drawn.save + drawn.touch;
    const trips = (a: LatencyResult[], b: LatencyResult[], slot: number) =>
      (at(a, slot).roundTrips + at(b, slot).roundTrips).toFixed(0);
    console.log(
      `\nmix drawn: ${percent(drawn.load, ops)} loads, ${percent(drawn.save, ops)} saves, ${percent(drawn.touch, ops)} ` +
        `touches (wanted ${MIX.load * 100}/${MIX.save * 100}/${MIX.touch * 100}); touches that found no due row: ` +
        `${drawn.staleTouches}`,
    );
    for (const { subject, slot } of variants) {
      const perOp = { load, save, touch, destroy };
      const worst = Math.max(...Object.values(perOp).map((results) => at(results, slot).roundTrips));
      const listed = Object.entries(perOp)
        .map(([name, results]) => `${name} ${at(results, slot).roundTrips.toFixed(2)}`)
        .join(", ");
      console.log(
        `round trips per operation, ${subject.name}: ${listed} (target 1: ${worst <= 1 ? "MET" : "MISSED"}); ` +
          `a mixed save op is load + save = ${trips(load, save, slot)} (raw ${trips(load, save, 0)}), ` +
          `a touch op load + touch = ${trips(load, touch, slot)} (raw ${trips(load, touch, 0)})`,
      );
    }
    console.log(
      "under concurrency Prisma merges simultaneous findUnique calls into one SELECT … WHERE id IN (…): " +
        "hence fewer than one round trip per load in (b)",
    );
    const missed = variants.some(
      ({ slot }) =>
        opsPerSecond(at(loads.results, slot)) < TARGETS.loads * opsPerSecond(at(loads.results, 0)) ||
        opsPerSecond(at(mix.results, slot)) < TARGETS.mixed * opsPerSecond(at(mix.results, 0)),
    );
    if (missed) {
      console.log(
        "targets missed: `npx tsx scripts/bench/probe.ts` breaks the cost down by query path; " +
          "`npm run bench -- --connector prisma,prisma-sql,adapter,pg` measures prototype connectors",
      );
    }
    console.log(`\ntotal time ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    for (const subject of subjects) await subject.close();
    await dropSchema(admin).catch((error: unknown) => log(`could not drop schema ${SCHEMA}: ${String(error)}`));
    await admin.end();
  }
}

await main();
