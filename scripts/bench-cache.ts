// `npm run bench:cache`: the session cache (prisma-sessions/cache) in front of PrismaConnector on
// PostgreSQL, against the raw `pg` driver reading one row per load, in one run:
// 1. throughput of loads only (16 callers, pool of 10) at a 95 % hit rate: 95 % of loads pick one of
//    10,000 warm sessions, 5 % a session never read before (a miss by construction); the hit rate
//    printed is the one measured (loads that reached the database / loads). Raw and the uncached
//    connector run the same key sequence.
// 2. revocation: while 16 callers keep loading, another client (as another process would: nothing
//    passes through this process's cache) destroys a cached session or logs a user out
//    everywhere; how long after that this process still served it, worst and median.
// 3. the channel cut: the LISTEN connection runs through a TCP proxy; frozen past the staleness
//    budget, sessions destroyed elsewhere are read again: every read served from the cache
//    after the budget is a stale read (the target is none).
// Creates and drops its own schema (PRISMA_SESSIONS_BENCH_SCHEMA); PRISMA_SESSIONS_PG_URL selects the
// server. Options: --rounds N, --seconds S.
import { performance } from "node:perf_hooks";
import { setImmediate as nextTurn, setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../prisma/generated/postgresql/client.js";
import { CachedConnector } from "../src/cache/cached-connector.js";
import { pgInvalidation } from "../src/cache/pg-channel.js";
import type { SessionConnector, StoredSession } from "../src/connector.js";
import { PrismaConnector } from "../src/connectors/prisma.js";
import { hashSessionKey } from "../src/keys.js";
import { jsonSerializer } from "../src/serializer.js";
import { SessionManager } from "../src/session-manager.js";
import { ensureInvalidationTrigger } from "../src/setup/ensure-invalidation-trigger.js";
import { startTcpProxy } from "../test/support/tcp-proxy.js";
import { countedPool, createSchema, dropSchema, SCHEMA, seedSessions, TABLE } from "./bench/database.js";
import { opsPerSecond, quantile, random, throughput } from "./bench/measure.js";
import { table } from "./bench/report.js";

const URL = process.env.PRISMA_SESSIONS_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
const CALLERS = 16;
const POOL = 10;
const WARM = 10_000;
/** Enough never-read sessions for every miss of every round. */
const COLD = 60_000;
const HIT_TARGET = 0.95;
const STALENESS_MS = 1000;
const REVOCATIONS = 40;

function log(message: string): void {
  process.stderr.write(`# ${message}\n`);
}

const { values } = parseArgs({
  options: { rounds: { type: "string", default: "3" }, seconds: { type: "string", default: "4" } },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);

/** Counts the loads that reach the database below the cache. */
function counting(inner: SessionConnector): { connector: SessionConnector; reads(): number } {
  let reads = 0;
  const connector: SessionConnector = {
    getSession: (id) => {
      reads++;
      return inner.getSession(id);
    },
    createSession: (row) => inner.createSession(row),
    updateSession: (id, version, write) => inner.updateSession(id, version, write),
    touchSession: (id, expiresAt, now, client) => inner.touchSession(id, expiresAt, now, client),
    destroySession: (id) => inner.destroySession(id),
    listUserSessions: (userId, now) => inner.listUserSessions(userId, now),
    destroyUserSessions: (userId, exceptId) => inner.destroyUserSessions(userId, exceptId),
    deleteExpiredSessions: (now, limit, from) => inner.deleteExpiredSessions(now, limit, from),
    countExpiredSessions: (now) => inner.countExpiredSessions(now),
    currentTime: () => inner.currentTime(),
  };
  return { connector, reads: () => reads };
}

/** The keys of one round: 95 % warm (random), 5 % cold (each read once, in order). */
function keySequence(warm: readonly string[], cold: readonly string[], seed: number): () => string {
  const next = random(seed);
  let cursor = 0;
  return () => {
    if (next() < HIT_TARGET) return warm[Math.floor(next() * warm.length)] ?? "";
    const key = cold[cursor++ % cold.length];
    if (key === undefined) throw new Error("no cold keys");
    return key;
  };
}

interface Measured {
  name: string;
  ops: number;
  seconds: number;
  cpuUs: number;
  trips: number;
  reads: number;
}

async function main(): Promise<void> {
  const admin = new pg.Pool({ connectionString: URL, max: 2 });
  const listenUrl = new globalThis.URL(URL);
  const proxy = await startTcpProxy({ host: listenUrl.hostname, port: Number(listenUrl.port || 5432) });
  listenUrl.port = String(proxy.port);
  const raw = countedPool(URL, POOL);
  const mine = countedPool(URL, POOL);
  const other = new pg.Pool({ connectionString: URL, max: 2 });
  const listen = new pg.Pool({ connectionString: listenUrl.toString(), max: 2 });
  const prisma = new PrismaClient({ adapter: new PrismaPg(mine.pool, { schema: SCHEMA }), errorFormat: "minimal" });
  const elsewhere = new PrismaClient({ adapter: new PrismaPg(other, { schema: SCHEMA }), errorFormat: "minimal" });
  let cached: CachedConnector | undefined;
  try {
    log("seeding");
    await createSchema(admin);
    const keys = await seedSessions(admin, WARM + COLD, 10);
    const warm = keys.slice(0, WARM);
    const cold = keys.slice(WARM);
    // Owners for the log-out-everywhere revocations.
    await admin.query(`UPDATE ${TABLE} SET user_id = 'user-' || id WHERE id = ANY($1::text[])`, [
      warm.slice(0, REVOCATIONS).map(hashSessionKey),
    ]);
    await ensureInvalidationTrigger(prisma, { provider: "postgresql" });

    const plain = new PrismaConnector(prisma);
    const below = counting(plain);
    cached = new CachedConnector(below.connector, {
      channel: pgInvalidation({ pool: listen, retryMs: 100 }),
      stalenessMs: STALENESS_MS,
      maxEntries: WARM + COLD,
    });
    await cached.start();
    while (!cached.serving) await sleep(10);
    const uncachedSessions = new SessionManager({ connector: plain });
    const cachedSessions = new SessionManager({ connector: cached });
    log("warming the cache with the 10,000 warm sessions");
    for (let i = 0; i < warm.length; i += 100) {
      await Promise.all(warm.slice(i, i + 100).map((key) => cachedSessions.open(key).load()));
    }

    const SELECT = `SELECT id, data, user_id, version, expires_at, absolute_expires_at, browser_session, created_at,
      updated_at FROM ${TABLE} WHERE id = $1`;
    let coldCursor = 0;
    const subjects = [
      {
        name: "raw pg: one SELECT per load, our serializer",
        counted: raw,
        reads: () => 0,
        load: async (key: string) => {
          const { rows } = await raw.pool.query<{ data: string }>(SELECT, [hashSessionKey(key)]);
          if (rows[0] === undefined) throw new Error("seed missing");
          jsonSerializer.parse(rows[0].data);
        },
      },
      {
        name: "SessionStore + PrismaConnector (no cache)",
        counted: mine,
        reads: () => 0,
        load: async (key: string) => {
          const store = uncachedSessions.open(key);
          await store.load();
          if (store.sessionKey !== key) throw new Error("seed missing");
        },
      },
      {
        name: "SessionStore + CachedConnector(PrismaConnector), LISTEN/NOTIFY",
        counted: mine,
        reads: () => below.reads(),
        load: async (key: string) => {
          const store = cachedSessions.open(key);
          await store.load();
          if (store.sessionKey !== key) throw new Error("seed missing");
        },
      },
    ];
    const totals = subjects.map((s) => ({ name: s.name, ops: 0, seconds: 0, cpuUs: 0, trips: 0, reads: 0 }));
    for (let round = 0; round < ROUNDS; round++) {
      for (let turn = 0; turn < subjects.length; turn++) {
        const index = (turn + round) % subjects.length;
        const subject = subjects[index];
        const total = totals[index];
        if (subject === undefined || total === undefined) continue;
        // Each subject gets fresh cold keys: a cold key is a miss only the first time.
        const sequence = keySequence(warm, cold.slice(coldCursor), round * 31 + index);
        let drawn = 0;
        const nextKey = () => {
          drawn++;
          return sequence();
        };
        const readsBefore = subject.reads();
        // Every load starts in its own turn of the event loop, as a request read from a socket does
        // (a cache hit alone never yields, and would starve the channel's socket otherwise).
        const result = await throughput(subject.counted, CALLERS, SECONDS, async () => {
          await nextTurn();
          await subject.load(nextKey());
        });
        coldCursor += Math.ceil(drawn * (1 - HIT_TARGET) * 1.2) + 100;
        if (coldCursor >= cold.length) throw new Error("ran out of cold sessions: lower --seconds or --rounds");
        total.cpuUs = (total.cpuUs * total.ops + result.cpuUs * result.ops) / (total.ops + result.ops);
        total.trips = (total.trips * total.ops + result.roundTrips * result.ops) / (total.ops + result.ops);
        total.ops += result.ops;
        total.seconds += result.seconds;
        total.reads += subject.reads() - readsBefore;
        log(`round ${round + 1}: ${subject.name}: ${opsPerSecond(result).toFixed(0)} loads/s`);
      }
    }
    const [base] = totals;
    if (base === undefined) throw new Error("no baseline");
    console.log(
      `\nLoads only, ${CALLERS} callers, pool ${POOL}, ${ROUNDS} rounds of ${SECONDS} s each (rotated order)\n`,
    );
    table(
      ["system", "loads/s", "× raw", "CPU µs/load", "× raw", "trips/load", "hit rate"],
      totals.map((t: Measured, i) => [
        t.name,
        t.ops / t.seconds,
        `${(t.ops / t.seconds / (base.ops / base.seconds)).toFixed(2)}x`,
        t.cpuUs,
        `${(t.cpuUs / base.cpuUs).toFixed(2)}x`,
        t.trips,
        i === 2 ? `${((1 - t.reads / t.ops) * 100).toFixed(1)} %` : "-",
      ]),
    );
    const cachedTotal = totals[2];
    if (cachedTotal !== undefined) {
      const factor = cachedTotal.ops / cachedTotal.seconds / (base.ops / base.seconds);
      console.log(
        `\ntarget: cached loads ≥ 3.00x raw at a 95 % hit rate: ${factor.toFixed(2)}x, ${factor >= 3 ? "met" : "missed"}`,
      );
    }

    // 2. Revocation seen here, while loads go on.
    log("revocations");
    const otherProcess = new PrismaConnector(elsewhere);
    let loading = true;
    const loaders = Promise.all(
      Array.from({ length: CALLERS }, async (_, caller) => {
        const next = random(1000 + caller);
        while (loading)
          await cachedSessions.open(warm[REVOCATIONS + Math.floor(next() * (WARM - REVOCATIONS))] ?? "").load();
      }),
    );
    const delays: number[] = [];
    for (let i = 0; i < REVOCATIONS; i++) {
      const key = warm[i] ?? "";
      const id = hashSessionKey(key);
      const before = await cached.getSession(id);
      if (before === null) throw new Error("revocation target missing");
      const start = performance.now();
      if (i % 2 === 0) await otherProcess.destroySession(id);
      else await otherProcess.destroyUserSessions(`user-${id}`);
      // How long after the revocation this process still served the session (0: never again).
      let lastServed = 0;
      for (;;) {
        const served: StoredSession | null = await cached.getSession(id);
        if (served === null) break;
        lastServed = performance.now() - start;
        await sleep(1);
      }
      delays.push(lastServed);
      await sleep(20);
    }
    loading = false;
    await loaders;
    const sorted = [...delays].sort((a, b) => a - b);
    log(`delays: ${delays.map((d) => d.toFixed(0)).join(" ")}`);
    console.log(
      `\nrevocation by another client (destroy, log-out-everywhere), ${REVOCATIONS} times under load: still served ` +
        `for median ${quantile(sorted, 0.5).toFixed(1)} ms, worst ${quantile(sorted, 1).toFixed(1)} ms afterwards ` +
        `(budget ${STALENESS_MS} ms)`,
    );

    // 3. The channel cut: frozen past the budget, nothing destroyed elsewhere may be served.
    log("channel cut");
    const victims = cold.slice(-REVOCATIONS).map(hashSessionKey);
    for (const id of victims) await cached.getSession(id);
    proxy.freeze();
    const frozenAt = performance.now();
    await sleep(STALENESS_MS + 100);
    for (const id of victims) await otherProcess.destroySession(id);
    let stale = 0;
    for (const id of victims) if ((await cached.getSession(id)) !== null) stale++;
    const servingDuringCut = cached.serving;
    proxy.thaw();
    while (!cached.serving) await sleep(10);
    console.log(
      `channel cut for ${((performance.now() - frozenAt) / 1000).toFixed(1)} s: ${stale} stale reads of ${victims.length} ` +
        `destroyed sessions (target 0); cache serving during the cut: ${servingDuringCut}; serving again after the thaw`,
    );
  } finally {
    await cached?.close();
    await prisma.$disconnect();
    await elsewhere.$disconnect();
    await Promise.all([raw.pool.end(), mine.pool.end(), other.end(), listen.end()]);
    await proxy.close();
    await dropSchema(admin).catch((error: unknown) => log(`could not drop schema ${SCHEMA}: ${String(error)}`));
    await admin.end();
  }
}

await main();
