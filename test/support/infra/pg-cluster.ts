// A temporary PostgreSQL 15 cluster of Debian's binaries on a free loopback port, owned by the
// caller (a test file or a benchmark): the shared server on 5432 is never touched. Its folder is
// removed by stop(), or when the process exits.
import { appendFile } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
import {
  findExecutable,
  freePorts,
  makeFolder,
  removeFolder,
  run,
  startDaemon,
  systemUser,
  waitUntil,
} from "./processes.js";

export interface PgCluster {
  /** `postgresql://postgres@127.0.0.1:<port>/<database>`. */
  url(database: string): string;
  readonly port: number;
  /** Milliseconds from `initdb` to the server answering. */
  readonly startMs: number;
  stop(): Promise<void>;
}

export interface PgClusterOptions {
  /** Extra `postgresql.conf` lines (`name = value`), after the defaults below. */
  settings?: readonly string[];
}

const BIN = process.env.PRISMA_SESSIONS_PG_BIN ?? "/usr/lib/postgresql/15/bin";

/** Small and fast: a throwaway cluster on a shared machine (no fsync: nothing here must survive a crash). */
function defaults(port: number, socketDir: string): string[] {
  return [
    `port = ${port}`,
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${socketDir}'`,
    "max_connections = 40",
    "shared_buffers = 32MB",
    "fsync = off",
    "full_page_writes = off",
    "logging_collector = off",
  ];
}

export async function startPgCluster(options: PgClusterOptions = {}): Promise<PgCluster> {
  const account = systemUser("postgres");
  const as = { user: account };
  const tool = (name: string) => findExecutable(name, [join(BIN, name)]);
  const folder = makeFolder("prisma-sessions-pg", account);
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error("no free port");
  const url = (database: string) => `postgresql://postgres@127.0.0.1:${port}/${database}`;
  const started = performance.now();
  const dataDir = join(folder, "data");
  let daemon: ReturnType<typeof startDaemon> | undefined;
  const stop = async () => {
    await daemon?.stop("SIGINT");
    removeFolder(folder);
  };
  try {
    await run(tool("initdb"), ["-D", dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"], as);
    const lines = [...defaults(port, folder), ...(options.settings ?? []), ""];
    await appendFile(join(dataDir, "postgresql.conf"), lines.join("\n"));
    const server = startDaemon("PostgreSQL", tool("postgres"), ["-D", dataDir], as);
    daemon = server;
    await waitUntil(
      "PostgreSQL to answer",
      async () => {
        const client = new pg.Client({ connectionString: url("postgres") });
        await client.connect();
        try {
          return (await client.query("SELECT 1")).rowCount === 1;
        } finally {
          await client.end();
        }
      },
      { daemon: server },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, port, startMs: performance.now() - started, stop };
}
