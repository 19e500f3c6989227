// A database of its own on a Galera cluster, with a Prisma client and a driver adapter per node
// (as three application servers, each talking to its nearest node, would have), and raw SQL on
// any node for checking stored state.
import { randomBytes } from "node:crypto";
import { PrismaMariaDb } from "@prisma/adapter-mariadb";
import mariadb from "mariadb";
import { PrismaClient as MySqlClient } from "../../../prisma/generated/mysql/client.js";
import type { DriverAdapterFactory } from "../../../src/connectors/prisma-adapter.js";
import { ensureSessionTable } from "../../../src/setup/ensure-session-table.js";
import type { PrismaLockClient } from "../../../src/storage/prisma-lock.js";
import type { TestPrismaClient } from "../databases.js";
import type { GaleraCluster } from "./galera.js";
import { waitUntil } from "./processes.js";

export type GaleraClient = TestPrismaClient & PrismaLockClient;

export interface GaleraDatabase {
  name: string;
  /** One client per node, in node order. */
  clients: GaleraClient[];
  /** A fresh adapter factory on node `index`, disposed of by {@link close}. */
  openAdapter(index: number): DriverAdapterFactory;
  /** Raw SQL on node `index` (default the first), with causal reads; DATETIME read as UTC. */
  sql(query: string, params?: unknown[], index?: number): Promise<Record<string, unknown>[]>;
  /** Resolves once `query` returns a row on every node (Galera applies on the others asynchronously). */
  onEveryNode(query: string, params?: unknown[]): Promise<void>;
  close(): Promise<void>;
}

function connect(url: string): Promise<mariadb.Connection> {
  const parsed = new URL(url);
  return mariadb.createConnection({
    host: parsed.hostname,
    port: Number(parsed.port),
    user: decodeURIComponent(parsed.username),
    ...(parsed.pathname.length > 1 ? { database: parsed.pathname.slice(1) } : {}),
    bigIntAsNumber: true,
    // Causal reads: a check sees every write the cluster committed before it, whichever node took
    // it (by default a node may answer before applying what the others committed).
    initSql: "SET SESSION wsrep_sync_wait = 1",
    typeCast: (field, next) => {
      if (`${field.type}` !== "DATETIME") return next();
      const value = field.string();
      return value === null ? null : new Date(`${value.replace(" ", "T")}Z`);
    },
  });
}

export async function openGaleraDatabase(cluster: GaleraCluster): Promise<GaleraDatabase> {
  const name = `ps_${randomBytes(6).toString("hex")}`;
  const first = cluster.nodes[0];
  if (first === undefined) throw new Error("the cluster has no node");
  const admin = await connect(first.url(""));
  await admin.query(`CREATE DATABASE \`${name}\``);
  const raws = await Promise.all(cluster.nodes.map((node) => waitForDatabase(node.url(name))));
  const clients = cluster.nodes.map((node) => new MySqlClient({ adapter: new PrismaMariaDb(node.url(name)) }));
  const adapters: Promise<{ dispose(): Promise<void> }>[] = [];
  const sql = async (query: string, params: unknown[] = [], index = 0) => {
    const raw = raws[index];
    if (raw === undefined) throw new Error(`no node ${index}`);
    const rows: unknown = await raw.query(query, params);
    return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
  };
  const db: GaleraDatabase = {
    name,
    clients,
    openAdapter: (index) => {
      const node = cluster.nodes[index];
      if (node === undefined) throw new Error(`no node ${index}`);
      const factory = new PrismaMariaDb(node.url(name));
      return {
        provider: factory.provider,
        connect: () => {
          const connected = factory.connect();
          adapters.push(connected);
          return connected;
        },
      };
    },
    sql,
    onEveryNode: (query, params = []) =>
      waitUntil(
        `${query} on every node`,
        async () => {
          const found = await Promise.all(raws.map((_, index) => sql(query, params, index)));
          return found.every((rows) => rows.length > 0);
        },
        { timeoutMs: 10_000, intervalMs: 10 },
      ),
    close: async () => {
      await Promise.all(clients.map((client) => client.$disconnect()));
      await Promise.all(adapters.map(async (adapter) => (await adapter).dispose()));
      await Promise.all(raws.map((raw) => raw.end()));
      await admin.query(`DROP DATABASE \`${name}\``);
      await admin.end();
    },
  };
  const [client] = clients;
  if (client === undefined) throw new Error("no client");
  await ensureSessionTable(client, { provider: "mysql" });
  await db.onEveryNode(
    "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'sessions'",
  );
  return db;
}

/** A connection to a database created on another node a moment ago. */
function waitForDatabase(url: string): Promise<mariadb.Connection> {
  let connection: mariadb.Connection | undefined;
  return waitUntil(
    "the new database on every node",
    async () => {
      connection = await connect(url);
      return true;
    },
    { timeoutMs: 10_000, intervalMs: 20 },
  ).then(() => {
    if (connection === undefined) throw new Error("no connection");
    return connection;
  });
}
