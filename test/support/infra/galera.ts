// A MariaDB Galera cluster (Debian's mariadb-server and galera-4) on loopback: each node its own
// temp data dir, SQL port, socket, group-communication, IST and SST ports. The first node
// bootstraps the cluster (`--wsrep-new-cluster`); the others join one at a time and receive the
// data by rsync state transfer. The shared MariaDB on 3306 is never touched.
import { join } from "node:path";
import mariadb from "mariadb";
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

export interface GaleraNode {
  readonly name: string;
  readonly port: number;
  /** `mysql://root@127.0.0.1:<port>/<database>` on this node. */
  url(database: string): string;
}

export interface GaleraCluster {
  readonly nodes: readonly GaleraNode[];
  /** Milliseconds from the first node's data dir to every node synced. */
  readonly startMs: number;
  stop(): Promise<void>;
}

const PROVIDER = "/usr/lib/galera/libgalera_smm.so";

async function status(port: number, name: string): Promise<string | undefined> {
  const connection = await mariadb.createConnection({ host: "127.0.0.1", port, user: "root", connectTimeout: 1000 });
  try {
    const rows: { Value?: string }[] = await connection.query("SHOW STATUS LIKE ?", [name]);
    return rows[0]?.Value;
  } finally {
    await connection.end();
  }
}

export async function startGalera(options: { nodes?: number } = {}): Promise<GaleraCluster> {
  const count = options.nodes ?? 3;
  const mariadbd = findExecutable("mariadbd", ["/usr/sbin/mariadbd"]);
  findExecutable("the Galera provider (galera-4)", [PROVIDER]);
  findExecutable("rsync (the state transfer)", ["/usr/bin/rsync"]);
  const account = systemUser("mysql");
  const folder = makeFolder("prisma-sessions-galera", account);
  const ports = await freePorts(4 * count);
  const at = (i: number) => ({
    sql: ports[4 * i] ?? 0,
    group: ports[4 * i + 1] ?? 0,
    ist: ports[4 * i + 2] ?? 0,
    sst: ports[4 * i + 3] ?? 0,
  });
  const members = Array.from({ length: count }, (_, i) => `127.0.0.1:${at(i).group}`).join(",");
  const daemons: Daemon[] = [];
  const stop = async () => {
    // The last joined leaves first; the bootstrap node last, so the others leave a live cluster.
    for (const daemon of [...daemons].reverse()) await daemon.stop("SIGTERM", 30_000);
    removeFolder(folder);
  };

  const args = (i: number): string[] => {
    const dir = join(folder, `node${i + 1}`);
    const { sql, group, ist, sst } = at(i);
    return [
      "--no-defaults",
      ...(account === null ? [] : ["--user=mysql"]),
      `--datadir=${dir}`,
      `--port=${sql}`,
      `--socket=${dir}.sock`,
      `--pid-file=${dir}.pid`,
      "--bind-address=127.0.0.1",
      // Small and fast on a shared 2-core machine; nothing here must survive a crash.
      "--innodb-buffer-pool-size=32M",
      "--innodb-log-file-size=16M",
      "--innodb-flush-log-at-trx-commit=0",
      "--max-connections=200",
      "--binlog-format=ROW",
      "--innodb-autoinc-lock-mode=2",
      "--default-storage-engine=InnoDB",
      "--wsrep-on=ON",
      `--wsrep-provider=${PROVIDER}`,
      "--wsrep-cluster-name=prisma-sessions-test",
      `--wsrep-cluster-address=gcomm://${members}`,
      `--wsrep-node-name=node${i + 1}`,
      `--wsrep-node-address=127.0.0.1:${group}`,
      `--wsrep-node-incoming-address=127.0.0.1:${sql}`,
      `--wsrep-provider-options=gmcast.listen_addr=tcp://127.0.0.1:${group};ist.recv_addr=127.0.0.1:${ist};gcache.size=32M`,
      "--wsrep-sst-method=rsync",
      `--wsrep-sst-receive-address=127.0.0.1:${sst}`,
    ];
  };

  const started = performance.now();
  try {
    // Only the first node gets system tables; the others receive everything by state transfer.
    await run(findExecutable("mariadb-install-db", ["/usr/bin/mariadb-install-db", "/usr/bin/mysql_install_db"]), [
      "--no-defaults",
      `--datadir=${join(folder, "node1")}`,
      ...(account === null ? [] : ["--user=mysql"]),
      "--auth-root-authentication-method=normal",
      "--skip-test-db",
    ]);
    for (let i = 0; i < count; i++) {
      if (i > 0) await run("mkdir", [join(folder, `node${i + 1}`)], { user: account });
      const node = startDaemon(`Galera node ${i + 1}`, mariadbd, [
        ...args(i),
        ...(i === 0 ? ["--wsrep-new-cluster"] : []),
      ]);
      daemons.push(node);
      const { sql } = at(i);
      await waitUntil(
        `Galera node ${i + 1} to be synced with ${i + 1} members`,
        async () =>
          (await status(sql, "wsrep_local_state_comment")) === "Synced" &&
          (await status(sql, "wsrep_cluster_size")) === String(i + 1),
        { daemon: node, timeoutMs: 90_000, intervalMs: 250 },
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    nodes: Array.from({ length: count }, (_, i) => ({
      name: `node${i + 1}`,
      port: at(i).sql,
      url: (database: string) => `mysql://root@127.0.0.1:${at(i).sql}/${database}`,
    })),
    startMs: performance.now() - started,
    stop,
  };
}
