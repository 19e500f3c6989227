// PgBouncer (Debian's package) in transaction mode on a free loopback port, in front of a
// PostgreSQL server (the shared one by default: a pooler only opens connections to it). Every
// database of that server is reachable through it (`* =` fallback), so a test file can use a
// database of its own: PgBouncer refuses the `options` startup parameter that carries a
// per-connection search_path, so per-schema isolation cannot pass through it.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
import {
  type Daemon,
  findExecutable,
  freePorts,
  makeFolder,
  removeFolder,
  startDaemon,
  systemUser,
  waitUntil,
} from "./processes.js";

export interface PgBouncer {
  readonly port: number;
  /** The URL of `database` through PgBouncer, with the server URL's user. */
  url(database: string): string;
  /** The server URL it forwards to. */
  readonly serverUrl: string;
  /** Milliseconds from spawning to the first query answered through it. */
  readonly startMs: number;
  stop(): Promise<void>;
}

export interface PgBouncerOptions {
  /** The server to pool. @default PRISMA_SESSIONS_PG_URL or postgresql://postgres@127.0.0.1:5432/test */
  serverUrl?: string;
  /** Server connections per database and user. Small: the shared server's connections are shared. @default 8 */
  poolSize?: number;
}

const SERVER_URL = process.env.PRISMA_SESSIONS_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test";

export async function startPgBouncer(options: PgBouncerOptions = {}): Promise<PgBouncer> {
  const serverUrl = options.serverUrl ?? SERVER_URL;
  const server = new URL(serverUrl);
  const user = decodeURIComponent(server.username || "postgres");
  const binary = findExecutable("pgbouncer", ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"]);
  // PgBouncer refuses to run as root.
  const account = systemUser("postgres");
  const folder = makeFolder("prisma-sessions-pgbouncer", account);
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error("no free port");
  const config = join(folder, "pgbouncer.ini");
  const users = join(folder, "userlist.txt");
  await writeFile(users, `"${user}" ""\n`);
  await writeFile(
    config,
    [
      "[databases]",
      `* = host=${server.hostname} port=${server.port || 5432}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      "auth_type = trust",
      `auth_file = ${users}`,
      "pool_mode = transaction",
      `default_pool_size = ${options.poolSize ?? 8}`,
      "max_client_conn = 500",
      // Idle server connections to a test database go soon: the database is dropped after its file.
      "server_idle_timeout = 5",
      "logfile =",
      "pidfile =",
      "",
    ].join("\n"),
  );
  const started = performance.now();
  const daemon: Daemon = startDaemon("pgbouncer", binary, ["-q", config], { user: account });
  const url = (database: string) => {
    const through = new URL(serverUrl);
    through.hostname = "127.0.0.1";
    through.port = String(port);
    through.pathname = `/${database}`;
    return through.toString();
  };
  const stop = async () => {
    await daemon.stop("SIGINT");
    removeFolder(folder);
  };
  try {
    await waitUntil(
      "PgBouncer to answer",
      async () => {
        const client = new pg.Client({ connectionString: url(server.pathname.slice(1) || "postgres") });
        await client.connect();
        try {
          await client.query("SELECT 1");
          return true;
        } finally {
          await client.end();
        }
      },
      { daemon, timeoutMs: 15_000 },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, url, serverUrl, startMs: performance.now() - started, stop };
}
