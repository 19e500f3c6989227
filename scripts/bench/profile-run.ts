// One system alone, for profiling (not part of `npm run bench`): seeds its rows, warms up, then
// runs one scenario and prints what it measured, and the connector calls' count and mean time.
//   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx scripts/bench/profile-run.ts express-prisma B 10
//   npx tsx scripts/bench/profile-summary.ts /tmp/prof/<largest>.cpuprofile --focus getSession,updateSession
// Scenario: A (1 caller, pool 1), B (16 callers, pool 10, the mix), loads (16 callers, loads only).
// Add `copy` to hand express set/touch a copy of the session (see express-subjects.ts).
import pg from "pg";
import { createSchema, dropSchema, rearmTouches, settle } from "./database.js";
import { opsPerSecond, quantile, run } from "./measure.js";
import { DUE_IN_DAYS, SYSTEMS, seed, URL } from "./systems.js";
import { loadsOnly, mixed } from "./workloads.js";

const [id = "express-prisma", scenario = "B", seconds = "10", sets = "read"] = process.argv.slice(2);
const system = SYSTEMS[id];
if (system === undefined) throw new Error(`systems: ${Object.keys(SYSTEMS).join(", ")}`);
const callers = scenario === "A" ? 1 : 16;
const admin = new pg.Pool({ connectionString: URL, max: 2 });
try {
  await createSchema(admin);
  const keys = (await seed(admin, new Set([system.family]))).get(system.family) ?? [];
  const subject = system.make(scenario === "A" ? 1 : 10, keys, sets === "copy");
  try {
    const warm = mixed(keys, 7);
    await run(subject, () => warm.next(), callers, 1);
    await rearmTouches(admin, DUE_IN_DAYS);
    await settle(admin);
    const workload = (scenario === "loads" ? loadsOnly : mixed)(keys, 1000);
    const result = await run(subject, () => workload.next(), callers, Number(seconds));
    const sorted = [...result.latencies].sort((a, b) => a - b);
    console.log(
      `${subject.name}, ${scenario}${sets === "copy" ? ", sets of a copy" : ""}: ${opsPerSecond(result).toFixed(0)} ops/s, ` +
        `CPU ${result.cpuUs.toFixed(0)} µs/op, ${result.roundTrips.toFixed(2)} trips/op, ` +
        `p50 ${quantile(sorted, 0.5).toFixed(2)} ms, p99 ${quantile(sorted, 0.99).toFixed(2)} ms, ` +
        `${result.connections} connections opened`,
      workload.counts(),
    );
  } finally {
    await subject.close();
  }
} finally {
  await dropSchema(admin);
  await admin.end();
}
