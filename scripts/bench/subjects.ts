// The native path: prisma-sessions' own API (SessionManager open, load, set, save) on each
// connector, and a hand-written equivalent on the raw `pg` driver doing the least a session store
// must do (hash the key, parse and serialize the data with our serializer, a compare-and-swap
// UPDATE per save, a deadline-only UPDATE per due touch).
import { PrismaPg } from "@prisma/adapter-pg";
import type pg from "pg";
import { PrismaClient } from "../../prisma/generated/postgresql/client.js";
import type { SessionConnector, SessionInventory } from "../../src/connector.js";
import { PrismaConnector } from "../../src/connectors/prisma.js";
import { PrismaAdapterConnector } from "../../src/connectors/prisma-adapter.js";
import { hashSessionKey } from "../../src/keys.js";
import { jsonSerializer } from "../../src/serializer.js";
import { SessionManager } from "../../src/session-manager.js";
import { type CountedPool, countedPool, SCHEMA, TABLE } from "./database.js";
import type { Loaded, Subject } from "./measure.js";
import { FastPrismaConnector, pgSql, prismaSql, SqlConnector } from "./prototypes.js";

/** Half of the default 7-day idle window: a row closer than this to its deadline is touched. */
const HALF_IDLE_MS = 3.5 * 86_400_000;
const IDLE_MS = 7 * 86_400_000;

/**
 * The Prisma client an application would run in production. Our own pool, so the adapter's
 * queries are counted on the wire (the adapter leaves an external pool open). `errorFormat` is
 * what NODE_ENV=production selects; the development default captures a stack trace per query.
 */
export function benchClient(pool: pg.Pool, errorFormat: "minimal" | "colorless" = "minimal"): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg(pool, { schema: SCHEMA }), errorFormat });
}

/** The connectors measured: the library's two, and the prototypes of ./prototypes.ts. */
/** How each FastPrismaConnector variant loads (see its `loads` option). */
const FAST_LOADS = {
  fast: "raw",
  "fast-eager": "raw-eager",
  "fast-findunique": "findUnique",
  "fast-findmany": "findMany",
  "fast-direct": "direct",
} as const;

export const CONNECTORS = [
  "prisma",
  "adapter",
  "fast",
  "fast-eager",
  "fast-findunique",
  "fast-findmany",
  "fast-direct",
  "prisma-sql",
  "pg",
] as const satisfies readonly string[];
export type ConnectorKind = (typeof CONNECTORS)[number];

export const CONNECTOR_NAMES: Record<ConnectorKind, string> = {
  prisma: "PrismaConnector",
  adapter: "PrismaAdapterConnector",
  fast: "prototype FastPrismaConnector",
  "fast-eager": "prototype FastPrismaConnector, eager batches",
  "fast-findunique": "prototype FastPrismaConnector, findUnique loads",
  "fast-findmany": "prototype FastPrismaConnector, findMany loads",
  "fast-direct": "prototype FastPrismaConnector, unbatched findUnique",
  "prisma-sql": "prototype SqlConnector on $queryRawUnsafe",
  pg: "prototype SqlConnector on pg",
};

function isFast(kind: ConnectorKind): kind is keyof typeof FAST_LOADS {
  return kind in FAST_LOADS;
}

/** A connector of `kind` on `prisma` (whose pool is `pool`); `null` for the prototypes without an inventory. */
export function inventoryConnector(
  kind: ConnectorKind,
  prisma: PrismaClient,
  pool: pg.Pool,
): (SessionConnector & SessionInventory) | null {
  if (kind === "prisma") return new PrismaConnector(prisma);
  if (kind === "adapter") {
    return new PrismaAdapterConnector(new PrismaPg(pool, { schema: SCHEMA }), { table: `${SCHEMA}.sessions` });
  }
  if (isFast(kind)) return new FastPrismaConnector(prisma, { table: `${SCHEMA}.sessions`, loads: FAST_LOADS[kind] });
  return null;
}

function connectorOf(kind: ConnectorKind, prisma: PrismaClient, pool: pg.Pool): SessionConnector {
  if (kind === "prisma-sql") return new SqlConnector(prismaSql(prisma), TABLE);
  if (kind === "pg") return new SqlConnector(pgSql(pool), TABLE);
  const connector = inventoryConnector(kind, prisma, pool);
  if (connector === null) throw new Error(`no connector ${kind}`);
  return connector;
}

/** prisma-sessions' SessionStore, as an application uses it, on the connector `kind`. */
export function native(
  connectionString: string,
  max: number,
  kind: ConnectorKind,
  keys: readonly string[],
): Subject & { counted: CountedPool } {
  const counted = countedPool(connectionString, max);
  const prisma = benchClient(counted.pool);
  const sessions = new SessionManager<{ counter: number }>({ connector: connectorOf(kind, prisma, counted.pool) });
  return {
    name: `native SessionStore + ${CONNECTOR_NAMES[kind]}`,
    counted,
    keys,
    open: async (key): Promise<Loaded> => {
      const store = sessions.open(key);
      await store.load();
      if (store.sessionKey !== key) throw new Error("benchmark session not found: the seed is broken");
      return {
        save: async (value) => {
          store.set("counter", value);
          await store.save();
        },
        touch: () => store.save(),
      };
    },
    close: async () => {
      await prisma.$disconnect();
      await counted.pool.end();
    },
  };
}

interface RawRow {
  id: string;
  data: string;
  user_id: string | null;
  version: number;
  expires_at: Date;
  absolute_expires_at: Date;
  browser_session: boolean;
}

const SELECT = `SELECT id, data, user_id, version, expires_at, absolute_expires_at, browser_session, created_at, updated_at
  FROM ${TABLE} WHERE id = $1`;
const UPDATE = `UPDATE ${TABLE} SET data = $3, user_id = $4, version = version + 1, expires_at = $5::timestamp,
  absolute_expires_at = $6::timestamp, browser_session = $7, updated_at = $8::timestamp WHERE id = $1 AND version = $2`;
const TOUCH = `UPDATE ${TABLE} SET expires_at = $2::timestamp, updated_at = $3::timestamp
  WHERE id = $1 AND expires_at > $3::timestamp AND expires_at < $2::timestamp`;

/** The native requests on plain `pg`: one statement each, no ORM, our serializer. */
export function rawNative(connectionString: string, max: number, keys: readonly string[]): Subject {
  const counted = countedPool(connectionString, max);
  const { pool } = counted;
  return {
    name: "raw pg, native semantics (compare-and-swap, our serializer)",
    counted,
    keys,
    open: async (key) => {
      const { rows } = await pool.query<RawRow>(SELECT, [hashSessionKey(key)]);
      const row = rows[0];
      if (row === undefined || row.expires_at.getTime() <= Date.now()) throw new Error("benchmark session not found");
      const data = jsonSerializer.parse(row.data);
      return {
        save: async (value) => {
          data.counter = value;
          const now = Date.now();
          const expiresAt = Math.min(now + IDLE_MS, row.absolute_expires_at.getTime());
          await pool.query(UPDATE, [
            row.id,
            row.version,
            jsonSerializer.stringify(data),
            row.user_id,
            new Date(Math.max(expiresAt, row.expires_at.getTime())).toISOString(),
            row.absolute_expires_at.toISOString(),
            row.browser_session,
            new Date(now).toISOString(),
          ]);
        },
        touch: async () => {
          const now = Date.now();
          if (row.expires_at.getTime() - now >= HALF_IDLE_MS) return;
          const expiresAt = Math.min(now + IDLE_MS, row.absolute_expires_at.getTime());
          await pool.query(TOUCH, [row.id, new Date(expiresAt).toISOString(), new Date(now).toISOString()]);
        },
      };
    },
    close: () => pool.end(),
  };
}
