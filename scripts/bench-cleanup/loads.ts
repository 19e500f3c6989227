// Session loads from another process and connection, as the application would run them while a
// cleanup goes on: primary-key reads of random live sessions, one after another, each timed.
// Run as a child (fork) so the cleanup's CPU and memory never mix with these measurements.
import { type ChildProcess, fork } from "node:child_process";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { SCHEMA, URL } from "./database.js";

/** Latency of the loads of one phase, in milliseconds. */
export interface LatencySummary {
  loads: number;
  p50: number;
  p99: number;
  max: number;
}

type Request = { type: "prepare" } | { type: "start" } | { type: "stop" } | { type: "exit" };
type Reply = { type: "ready" } | { type: "prepared"; ids: number } | { type: "stopped"; latency: LatencySummary };

function percentile(sorted: Float64Array, share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] ?? 0;
}

/** The parent's handle on the load process. */
export class LoadProcess {
  readonly #child: ChildProcess;
  readonly #replies: Reply[] = [];
  #waiting: ((reply: Reply) => void) | undefined;

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.on("message", (reply: Reply) => {
      if (this.#waiting) {
        const waiting = this.#waiting;
        this.#waiting = undefined;
        waiting(reply);
      } else this.#replies.push(reply);
    });
  }

  static async start(): Promise<LoadProcess> {
    const child = fork(fileURLToPath(import.meta.url), ["--child"], { execArgv: ["--import", "tsx"] });
    const loads = new LoadProcess(child);
    await loads.#next();
    return loads;
  }

  #next(): Promise<Reply> {
    const queued = this.#replies.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => {
      this.#waiting = resolve;
    });
  }

  async #ask(request: Request): Promise<Reply> {
    this.#child.send(request);
    return this.#next();
  }

  /** Reads the ids of the live sessions (after each fill). */
  async prepare(): Promise<number> {
    const reply = await this.#ask({ type: "prepare" });
    if (reply.type !== "prepared") throw new Error(`unexpected ${reply.type}`);
    return reply.ids;
  }

  /** Runs loads while `during` runs; returns both outcomes. */
  async during<T>(work: () => Promise<T>): Promise<{ result: T; latency: LatencySummary }> {
    this.#child.send({ type: "start" } satisfies Request);
    const result = await work();
    const reply = await this.#ask({ type: "stop" });
    if (reply.type !== "stopped") throw new Error(`unexpected ${reply.type}`);
    return { result, latency: reply.latency };
  }

  async exit(): Promise<void> {
    this.#child.send({ type: "exit" } satisfies Request);
    await new Promise((resolve) => this.#child.once("exit", resolve));
  }
}

async function child(): Promise<void> {
  const client = new pg.Client({ connectionString: URL, options: `-c search_path=${SCHEMA}` });
  await client.connect();
  const send = (reply: Reply) => process.send?.(reply);
  let ids: string[] = [];
  let running: Promise<Float64Array> | undefined;
  let stop = false;

  const loop = async (): Promise<Float64Array> => {
    let times = new Float64Array(1 << 16);
    let count = 0;
    while (!stop) {
      const id = ids[Math.floor(Math.random() * ids.length)];
      const started = performance.now();
      await client.query("SELECT * FROM sessions WHERE id = $1", [id]);
      if (count === times.length) {
        const grown = new Float64Array(times.length * 2);
        grown.set(times);
        times = grown;
      }
      times[count++] = performance.now() - started;
    }
    return times.slice(0, count).sort();
  };

  process.on("message", async (request: Request) => {
    switch (request.type) {
      case "prepare": {
        const { rows } = await client.query<{ id: string }>(
          "SELECT id FROM sessions WHERE expires_at > now() AT TIME ZONE 'utc'",
        );
        ids = rows.map((row) => row.id);
        send({ type: "prepared", ids: ids.length });
        break;
      }
      case "start":
        stop = false;
        running = loop();
        break;
      case "stop": {
        stop = true;
        const sorted = (await running) ?? new Float64Array();
        send({
          type: "stopped",
          latency: {
            loads: sorted.length,
            p50: percentile(sorted, 0.5),
            p99: percentile(sorted, 0.99),
            max: sorted.at(-1) ?? 0,
          },
        });
        break;
      }
      case "exit":
        await client.end();
        process.disconnect?.();
        break;
    }
  });
  send({ type: "ready" });
}

if (process.argv.includes("--child")) await child();
