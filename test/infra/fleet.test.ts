// A fleet: four application processes (the Express middleware) and two cleanup runners on one
// database through PgBouncer in transaction mode, under bounded mixed traffic (FLEET_SECONDS, 60 by
// default) with logins, parallel writes, log-outs and expiry. Zero lost updates, zero resurrected
// sessions, zero 5xx, every expired row gone at the end, one cleanup runner at a time.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { openPgDatabase, type PgTestDatabase } from "../support/infra/pg-database.js";
import { type PgBouncer, startPgBouncer } from "../support/infra/pgbouncer.js";

const SECONDS = Number(process.env.FLEET_SECONDS ?? 60);
const IDLE_SECONDS = 4;
const USERS = 12;
const ROOT = new URL("../..", import.meta.url).pathname;

interface Run {
  /** A span inside the time the runner held the lock (see fleet-cleaner.ts). */
  start: number;
  end: number;
  stoppedEarly?: false | string;
  deleted?: number;
  error?: string;
}

function spawnScript(script: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

async function portOf(child: ChildProcess): Promise<number> {
  const [chunk] = (await once(child.stdout ?? child, "data")) as [Buffer];
  const port = Number(/listening (\d+)/.exec(chunk.toString())?.[1]);
  if (!port) throw new Error(`an app process did not start: ${chunk.toString()}`);
  return port;
}

describe("a fleet of four app processes and two cleanup runners through PgBouncer", () => {
  let pooler: PgBouncer;
  let db: PgTestDatabase;
  const apps: ChildProcess[] = [];
  const ports: number[] = [];
  const cleaners: ChildProcess[] = [];
  const runs: Run[][] = [[], []];
  const stderr: string[] = [];

  beforeAll(async () => {
    pooler = await startPgBouncer({ poolSize: 8 });
    db = await openPgDatabase({ server: pooler.serverUrl, clientUrl: (name) => pooler.url(name) });
    const env = { FLEET_URL: db.clientUrl, FLEET_IDLE_SECONDS: String(IDLE_SECONDS) };
    for (let i = 0; i < 4; i++) {
      const app = spawnScript("test/infra/fleet-app.ts", env);
      app.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
      apps.push(app);
      ports.push(await portOf(app));
    }
    for (const [index, runner] of [0, 1].entries()) {
      const cleaner = spawnScript("test/infra/fleet-cleaner.ts", env);
      let buffered = "";
      cleaner.stdout?.on("data", (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split("\n");
        buffered = lines.pop() ?? "";
        for (const line of lines) if (line.trim() !== "") runs[runner]?.push(JSON.parse(line) as Run);
      });
      cleaner.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
      cleaners[index] = cleaner;
    }
  }, 60_000);

  afterAll(async () => {
    for (const child of [...apps, ...cleaners]) {
      child.kill("SIGTERM");
      await once(child, "exit").catch(() => {});
    }
    await db?.close();
    await pooler?.stop();
  });

  it(
    `${SECONDS} s of mixed traffic: nothing lost, nothing resurrected, no 5xx, no expired row left, one runner at a time`,
    async () => {
      const statuses = new Map<number, number>();
      const problems: string[] = [];
      let requests = 0;
      const call = async (method: "GET" | "POST", path: string, cookie: string | null) => {
        const port = ports[Math.floor(Math.random() * ports.length)];
        const res = await fetch(`http://127.0.0.1:${port}${path}`, {
          method,
          headers: cookie === null ? {} : { cookie },
        });
        requests++;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const set = res.headers.get("set-cookie");
        const value = set === null ? undefined : /^session_id=([^;]*)/.exec(set)?.[1];
        const next = value === undefined ? cookie : value === "" ? null : `session_id=${value}`;
        return {
          status: res.status,
          body: (await res.json().catch(() => null)) as Record<string, unknown> | null,
          cookie: next,
        };
      };

      const until = Date.now() + SECONDS * 1000;
      const user = async (index: number) => {
        let cookie: string | null = null;
        const expected = new Map<string, number>();
        while (Date.now() < until) {
          const roll = Math.random();
          if (roll < 0.6 || cookie === null) {
            const res = await call("POST", "/inc/c", cookie);
            cookie = res.cookie;
            const want = (expected.get("c") ?? 0) + 1;
            if (res.status === 200 && res.body?.value !== want)
              problems.push(`user ${index}: counter ${String(res.body?.value)}, expected ${want} (lost update)`);
            if (res.status === 200) expected.set("c", want);
          } else if (roll < 0.75) {
            // Parallel requests changing different keys: none is lost.
            const results = await Promise.all([0, 1, 2].map((k) => call("POST", `/inc/p${k}`, cookie)));
            for (const [k, res] of results.entries()) {
              if (res.status === 200) expected.set(`p${k}`, (expected.get(`p${k}`) ?? 0) + 1);
            }
            const state = await call("GET", "/state", cookie);
            for (const [key, value] of expected) {
              if (
                state.body?.data !== null &&
                (state.body?.data as Record<string, number> | undefined)?.[key] !== value
              ) {
                problems.push(
                  `user ${index}: ${key} is ${String((state.body?.data as Record<string, unknown>)?.[key])}, expected ${value} (lost update)`,
                );
              }
            }
          } else if (roll < 0.85) {
            const old = cookie;
            const res = await call("POST", `/login/user-${index}`, cookie);
            cookie = res.cookie;
            const stale = await call("GET", "/state", old);
            if (stale.body?.data !== null && Object.keys((stale.body?.data as object) ?? {}).length > 0) {
              problems.push(`user ${index}: the pre-login key still reads the session`);
            }
          } else if (roll < 0.93) {
            const old = cookie;
            await call("POST", "/logout", cookie);
            const after = await call("GET", "/state", old);
            if (after.body?.data !== null)
              problems.push(`user ${index}: a logged-out session still reads (resurrected)`);
            const write = await call("POST", "/inc/c", old);
            if (write.body?.value !== 1)
              problems.push(`user ${index}: a write with a logged-out key found old data (resurrected)`);
            cookie = write.cookie;
            expected.clear();
            expected.set("c", 1);
          } else {
            // Idle past the deadline: expired, not served, deleted by the runners.
            await new Promise((resolve) => setTimeout(resolve, (IDLE_SECONDS + 0.5) * 1000));
            const after = await call("GET", "/state", cookie);
            if (after.body?.data !== null) problems.push(`user ${index}: an expired session was served`);
            cookie = after.cookie;
            expected.clear();
          }
        }
      };
      await Promise.all(Array.from({ length: USERS }, (_, index) => user(index)));

      // Every session ends within the idle timeout now; the runners delete what expired.
      const deadline = Date.now() + (IDLE_SECONDS + 10) * 1000;
      let expired = -1;
      while (Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        const [row] = await db.sql("SELECT COUNT(*) AS n FROM sessions WHERE expires_at <= now() AT TIME ZONE 'UTC'");
        const [all] = await db.sql("SELECT COUNT(*) AS n FROM sessions");
        expired = Number(row?.n);
        if (Number(all?.n) === 0) break;
      }
      const [left] = await db.sql("SELECT COUNT(*) AS n FROM sessions");

      const held = runs.flatMap((list, runner) =>
        list.filter((run) => run.stoppedEarly === false).map((run) => ({ ...run, runner })),
      );
      held.sort((a, b) => a.start - b.start);
      // Each run's span lies inside the time the database held the lock for it (see fleet-cleaner.ts).
      const overlaps = held.flatMap((run, i) => {
        const before = held[i - 1];
        return before !== undefined && run.start < before.end && run.runner !== before.runner ? [{ before, run }] : [];
      });
      const fiveHundreds = [...statuses].filter(([status]) => status >= 500).reduce((sum, [, n]) => sum + n, 0);
      console.info(
        `fleet: ${requests} requests in ${SECONDS} s, statuses ${JSON.stringify(Object.fromEntries(statuses))}, ` +
          `cleanup runs holding the lock ${held.length} (runner 1: ${runs[0]?.filter((r) => r.stoppedEarly === false).length}, ` +
          `runner 2: ${runs[1]?.filter((r) => r.stoppedEarly === false).length}), locked out ${runs.flat().filter((r) => r.stoppedEarly === "locked").length}, ` +
          `deleted ${runs.flat().reduce((sum, r) => sum + (r.deleted ?? 0), 0)}, rows left ${Number(left?.n)} (expired ${expired})`,
      );
      expect(problems).toEqual([]);
      expect(fiveHundreds).toBe(0);
      expect(runs.flat().filter((run) => run.error !== undefined)).toEqual([]);
      expect(overlaps).toEqual([]);
      expect(Number(left?.n)).toBe(0);
      expect(stderr.join("")).toBe("");
    },
    (SECONDS + 120) * 1000,
  );
});
