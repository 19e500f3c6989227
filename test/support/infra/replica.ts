// A PostgreSQL 15 primary and a streaming standby of it that applies each commit only after a
// delay (`recovery_min_apply_delay`): real replication lag, for tests of what a read replica
// serves. Both are temporary clusters of Debian's binaries on free loopback ports, owned by the
// test: the shared server on 5432 is never touched.
import { appendFile } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
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

/** Small and fast: a throwaway cluster on a shared 2-core machine (no fsync: nothing here must survive a crash). */
function settings(port: number, socketDir: string): string {
  return [
    `port = ${port}`,
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${socketDir}'`,
    "wal_level = replica",
    "max_wal_senders = 4",
    "hot_standby = on",
    "max_connections = 40",
    "shared_buffers = 32MB",
    "fsync = off",
    "full_page_writes = off",
    "logging_collector = off",
    "",
  ].join("\n");
}

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
  const account = systemUser("postgres");
  const as = { user: account };
  const tool = (name: string) => findExecutable(name, [join(BIN, name)]);
  const folder = makeFolder("prisma-sessions-replica", account);
  const [primaryPort, replicaPort] = await freePorts(2);
  if (primaryPort === undefined || replicaPort === undefined) throw new Error("no free ports");
  const url = (port: number, database: string) => `postgresql://postgres@127.0.0.1:${port}/${database}`;
  const daemons: Daemon[] = [];
  const stop = async () => {
    // Standby first, so the primary's fast shutdown does not wait for it.
    for (const daemon of [...daemons].reverse()) await daemon.stop("SIGINT");
    removeFolder(folder);
  };

  const started = performance.now();
  try {
    const primaryDir = join(folder, "primary");
    await run(tool("initdb"), ["-D", primaryDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"], as);
    await appendFile(join(primaryDir, "postgresql.conf"), settings(primaryPort, folder));
    const primary = startDaemon("the primary", tool("postgres"), ["-D", primaryDir], as);
    daemons.push(primary);
    await waitUntil(
      "the primary to answer",
      async () => (await query(url(primaryPort, "postgres"), "SELECT 1")).length === 1,
      {
        daemon: primary,
      },
    );

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
    await appendFile(
      join(replicaDir, "postgresql.auto.conf"),
      `port = ${replicaPort}\nrecovery_min_apply_delay = '${applyDelayMs}ms'\n`,
    );
    const replica = startDaemon("the standby", tool("postgres"), ["-D", replicaDir], as);
    daemons.push(replica);
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
