// A PostgreSQL 15 primary and a streaming standby of it that applies each commit only after a
// delay (`recovery_min_apply_delay`): real replication lag, for tests of what a read replica
// serves. Both are temporary clusters of Debian's binaries on free loopback ports, owned by the
// test: the shared server on 5432 is never touched.
import { appendFile } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
import { startPgCluster } from "./pg-cluster.js";
import {
  type Daemon,
  findExecutable,
  freePorts,
  makeFolder,
  removeFolder,
  run,
  startDaemon,
  systemUser,
  waitUntil,
} from "./processes.js";

export interface ReplicaSet {
  /** `postgresql://postgres@127.0.0.1:<port>/<database>` of the primary. */
  primaryUrl(database: string): string;
  /** The same database on the delayed standby (read-only). */
  replicaUrl(database: string): string;
  /** How long the standby holds back each commit, in milliseconds. */
  readonly applyDelayMs: number;
  /** Milliseconds from `initdb` to both servers answering. */
  readonly startMs: number;
  /** Resolves once the standby has applied everything the primary had written when called. */
  waitForReplay(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface ReplicaOptions {
  /** @default 2000 */
  applyDelayMs?: number;
}

const BIN = process.env.PRISMA_SESSIONS_PG_BIN ?? "/usr/lib/postgresql/15/bin";

/** What a primary needs beyond a plain test cluster (pg-cluster.ts): WAL for a streaming standby. */
const PRIMARY_SETTINGS = ["wal_level = replica", "max_wal_senders = 4", "hot_standby = on"];

async function query(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Record<string, unknown>>(sql)).rows;
  } finally {
    await client.end();
  }
}

export async function startReplica(options: ReplicaOptions = {}): Promise<ReplicaSet> {
  const applyDelayMs = options.applyDelayMs ?? 2000;
  const started = performance.now();
  const primary = await startPgCluster({ settings: PRIMARY_SETTINGS });
  const primaryPort = primary.port;
  const account = systemUser("postgres");
  const as = { user: account };
  const tool = (name: string) => findExecutable(name, [join(BIN, name)]);
  const folder = makeFolder("prisma-sessions-replica", account);
  const [replicaPort] = await freePorts(1);
  const url = (port: number, database: string) => `postgresql://postgres@127.0.0.1:${port}/${database}`;
  let standby: Daemon | undefined;
  const stop = async () => {
    // The standby first, so the primary's fast shutdown does not wait for it.
    await standby?.stop("SIGINT");
    removeFolder(folder);
    await primary.stop();
  };

  try {
    if (replicaPort === undefined) throw new Error("no free port");
    const replicaDir = join(folder, "replica");
    // -R writes primary_conninfo and standby.signal; -X stream copies the WAL written meanwhile.
    await run(
      tool("pg_basebackup"),
      [
        "-h",
        "127.0.0.1",
        "-p",
        String(primaryPort),
        "-U",
        "postgres",
        "-D",
        replicaDir,
        "-R",
        "-X",
        "stream",
        "-c",
        "fast",
        "--no-sync",
      ],
      as,
    );
    // The copied postgresql.conf has the primary's port and socket folder: the standby gets its own.
    await appendFile(
      join(replicaDir, "postgresql.auto.conf"),
      `port = ${replicaPort}\nunix_socket_directories = '${folder}'\nrecovery_min_apply_delay = '${applyDelayMs}ms'\n`,
    );
    const replica = startDaemon("the standby", tool("postgres"), ["-D", replicaDir], as);
    standby = replica;
    await waitUntil(
      "the standby to stream from the primary",
      async () => {
        const [row] = await query(url(primaryPort, "postgres"), "SELECT state FROM pg_stat_replication");
        return row?.state === "streaming";
      },
      { daemon: replica },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  const startMs = performance.now() - started;

  const waitForReplay = async (timeoutMs = applyDelayMs + 15_000) => {
    const [row] = await query(url(primaryPort, "postgres"), "SELECT pg_current_wal_lsn()::text AS lsn");
    const lsn = String(row?.lsn);
    await waitUntil(
      `the standby to replay up to ${lsn}`,
      async () => {
        const [replayed] = await query(
          url(replicaPort, "postgres"),
          `SELECT pg_last_wal_replay_lsn() >= '${lsn}'::pg_lsn AS done`,
        );
        return replayed?.done === true;
      },
      { timeoutMs, intervalMs: 50 },
    );
  };

  return {
    primaryUrl: (database) => url(primaryPort, database),
    replicaUrl: (database) => url(replicaPort, database),
    applyDelayMs,
    startMs,
    waitForReplay,
    stop,
  };
}
