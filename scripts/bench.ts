// `npm run bench`: every session store users pick for Express on Prisma 7 + PostgreSQL, side by side
// in one run, against the raw `pg` driver running one statement per Store call on the same server:
// connect-pg-simple, @quixo3/prisma-session-store, plain Prisma model calls, ExpressSessionStore on
// each connector, and prisma-sessions' native SessionStore on each connector (see
// scripts/bench/express-subjects.ts and subjects.ts). Each system reads its own 10,000 seeded
// sessions of ~1 KB. Scenario B: 16 callers, pool of 10; scenario A: one caller, pool of 1.
// Creates and drops its own schema (PRISMA_SESSIONS_BENCH_SCHEMA); PRISMA_SESSIONS_PG_URL selects
// the server. Options: --only id,id (see SYSTEMS), --rounds N, --seconds S, --sets copy (set and
// touch get a session object the store did not read, like a harness without createSession).
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import pg from "pg";
import { createSchema, dropSchema, rearmTouches, SCHEMA, settle } from "./bench/database.js";
import { combine, opsPerSecond, quantile, type RunResult, run, type Subject } from "./bench/measure.js";
import { phaseTable, type Row, summaryTable, type Target, targetTable, throughputTable } from "./bench/report.js";
import { DUE_IN_DAYS, SESSIONS, SYSTEMS, seed } from "./bench/systems.js";
import { loadsOnly, MIX, mixed } from "./bench/workloads.js";

const URL = process.env.PRISMA_SESSIONS_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
const CALLERS = 16;
const POOL = { A: 1, B: 10 };
/** Before each measured run: JIT, the client's query-plan cache, the pool's connections. */
const WARM_SECONDS = 0.5;

function log(message: string): void {
  process.stderr.write(`# ${message}\n`);
}

function options() {
  const { values } = parseArgs({
    options: {
      only: { type: "string" },
      rounds: { type: "string", default: "4" },
      seconds: { type: "string", default: "2" },
      sets: { type: "string", default: "read" },
      scenarios: { type: "string", default: "A,B,loads" },
    },
  });
  const wanted = values.only?.split(",") ?? Object.keys(SYSTEMS).filter((id) => !SYSTEMS[id]?.optional);
  for (const id of wanted) if (!(id in SYSTEMS)) throw new Error(`--only takes ${Object.keys(SYSTEMS).join(", ")}`);
  if (values.sets !== "read" && values.sets !== "copy") throw new Error("--sets takes read or copy");
  // The baseline is always measured.
  const ids = ["raw", ...wanted.filter((id) => id !== "raw")];
  const scenarios = new Set(values.scenarios.split(","));
  return {
    ids,
    rounds: Number(values.rounds),
    seconds: Number(values.seconds),
    copy: values.sets === "copy",
    scenarios,
  };
}

/** Rotates which subject goes first, so drift and noise hit every subject alike. */
function rotated<T>(items: T[], turn: number): T[] {
  const shift = turn % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

interface Scenario {
  label: string;
  callers: number;
  loads: boolean;
}

/**
 * `rounds` runs per system, the order rotating each round, summed per system. Each run builds its
 * subject anew, warms it up and closes it: holding every system's pool open at once would take
 * more connections than a shared server allows.
 */
async function measure(
  admin: pg.Pool,
  makers: (() => Subject)[],
  scenario: Scenario,
  rounds: number,
  seconds: number,
): Promise<{ names: string[]; results: RunResult[] }> {
  const results = makers.map((): RunResult[] => []);
  const names = makers.map(() => "");
  const slots = makers.map((_, slot) => slot);
  for (let round = 0; round < rounds; round++) {
    for (const slot of rotated(slots, round)) {
      const subject = makers[slot]?.();
      if (subject === undefined) continue;
      try {
        const warm = mixed(subject.keys, 7 + round);
        await run(subject, () => warm.next(), scenario.callers, WARM_SECONDS);
        if (!scenario.loads) await rearmTouches(admin, DUE_IN_DAYS);
        await settle(admin);
        const workload = (scenario.loads ? loadsOnly : mixed)(subject.keys, 1000 + round);
        const result = await run(subject, () => workload.next(), scenario.callers, seconds);
        results[slot]?.push(result);
        names[slot] = subject.name;
        log(`${scenario.label}, ${subject.name}, round ${round + 1}: ${opsPerSecond(result).toFixed(0)} ops/s`);
      } finally {
        await subject.close();
      }
    }
  }
  return { names, results: results.map(combine) };
}

/** The targets for our connectors (those whose scenario ran), for the system in `slot`. */
function targets(slot: number, a?: RunResult[], b?: RunResult[], loads?: RunResult[]): Target[] {
  const vs = (results: RunResult[] | undefined, value: (result: RunResult) => number) => {
    const [base, mine] = [results?.[0], results?.[slot]];
    return base === undefined || mine === undefined ? Number.NaN : value(mine) / value(base);
  };
  const phase = (result: RunResult, name: "load" | "save") => result.phases?.[name];
  const p50 = (name: "load" | "save") => (result: RunResult) =>
    quantile(
      [...(phase(result, name)?.latencies ?? [])].sort((x, y) => x - y),
      0.5,
    );
  const trips = (name: "load" | "save") => {
    const mine = a?.[slot] === undefined ? undefined : phase(a[slot], name);
    return mine === undefined ? Number.NaN : mine.roundTrips / mine.latencies.length;
  };
  const list: Target[] = [
    { what: "B mixed ops/s × raw", value: vs(b, opsPerSecond), min: 1 },
    { what: "B loads ops/s × raw", value: vs(loads, opsPerSecond), min: 1 },
    { what: "B mixed CPU/op × raw", value: vs(b, (r) => r.cpuUs), max: 1.2 },
    { what: "A load trips", value: trips("load"), max: 1 },
    { what: "A save trips", value: trips("save"), max: 1 },
    { what: "A load p50 × raw", value: vs(a, p50("load")), max: 1.2 },
    { what: "A save p50 × raw", value: vs(a, p50("save")), max: 1.2 },
    { what: "A CPU/op × raw", value: vs(a, (r) => r.cpuUs), max: 1.3 },
  ];
  return list.filter((target) => !Number.isNaN(target.value));
}

async function main(): Promise<void> {
  const { ids, rounds, seconds, copy, scenarios } = options();
  const started = Date.now();
  const admin = new pg.Pool({ connectionString: URL, max: 2 });
  try {
    const version = await admin.query<{ server_version: string }>("SHOW server_version");
    await createSchema(admin);
    const keys = await seed(admin, new Set(ids.map((id) => SYSTEMS[id]?.family ?? "raw")));
    await rearmTouches(admin, DUE_IN_DAYS);
    log(`schema ${SCHEMA} seeded in ${Date.now() - started} ms`);

    const makers = (max: number) =>
      ids.map((id) => {
        const system = SYSTEMS[id];
        if (system === undefined) throw new Error(`no system ${id}`);
        return () => system.make(max, keys.get(system.family) ?? [], copy);
      });
    const scenario = async (name: string, callers: number, loads: boolean) =>
      scenarios.has(name)
        ? await measure(
            admin,
            makers(callers === 1 ? POOL.A : POOL.B),
            { label: name, callers, loads },
            rounds,
            seconds,
          )
        : null;
    const a = await scenario("A", 1, false);
    const b = await scenario("B", CALLERS, false);
    const loads = await scenario("loads", CALLERS, true);

    const names = (b ?? a ?? loads)?.names ?? [];
    const rows = (results: RunResult[]): Row[] => results.map((result, i) => ({ name: names[i] ?? "", result }));
    const base = (results: RunResult[]) => {
      const first = results[0];
      if (first === undefined) throw new Error("no baseline");
      return first;
    };
    console.log(
      `\nprisma-sessions benchmark: PostgreSQL ${version.rows[0]?.server_version}, Node ${process.version}, ` +
        `${availableParallelism()} CPUs; ${SESSIONS} sessions of ~1 KB per system; mix ${MIX.get * 100}/${MIX.set * 100}/` +
        `${MIX.touch * 100} get/set/touch requests; ${rounds} × ${seconds} s per system and scenario, order rotating; ` +
        `Prisma clients with errorFormat "minimal" (as under NODE_ENV=production); express set/touch get ` +
        `${copy ? "a JSON copy of the session (not the object the store read)" : "req.session, as express-session passes it"}; ` +
        "ratios to the first row, measured in this run\n",
    );
    if (b !== null && a !== null) {
      console.log(
        `(summary) the issue's table: B = ${CALLERS} callers, pool ${POOL.B}; A = 1 caller, pool ${POOL.A}\n`,
      );
      const singleByName = new Map(rows(a.results).map((row) => [row.name, row.result]));
      summaryTable(rows(b.results), base(b.results), singleByName, base(a.results));
    }
    if (b !== null) {
      console.log(`\n(B) mixed, ${CALLERS} callers, pool ${POOL.B}; a request is get, get + set, or get + touch\n`);
      throughputTable(rows(b.results), base(b.results));
    }
    if (loads !== null) {
      console.log(`\n(B) loads only, ${CALLERS} callers, pool ${POOL.B}\n`);
      throughputTable(rows(loads.results), base(loads.results));
    }
    if (a !== null) {
      console.log(`\n(A) mixed, one caller, pool ${POOL.A}: each phase of a request timed on its own\n`);
      phaseTable(rows(a.results), base(a.results));
    }
    for (const [i, id] of ids.entries()) {
      if (/-(prisma|adapter)$|-fast/.test(id))
        targetTable(names[i] ?? id, targets(i, a?.results, b?.results, loads?.results));
    }
    console.log(`\ntotal time ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await dropSchema(admin).catch((error: unknown) => log(`could not drop schema ${SCHEMA}: ${String(error)}`));
    await admin.end();
  }
}

await main();
