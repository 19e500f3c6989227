// The two things measured side by side: prisma-sessions (SessionStore + PrismaConnector on a
// Prisma 7 client) and a hand-written equivalent on the raw `pg` driver, doing the least work a
// session store must do (hash the key, parse and serialize the data, one statement per write).
import { PrismaPg } from "@prisma/adapter-pg";
import type pg from "pg";
import { PrismaClient } from "../../prisma/generated/postgresql/client.js";
import type { SessionConnector } from "../../src/connector.js";
import { PrismaConnector } from "../../src/connectors/prisma.js";
import { PrismaAdapterConnector } from "../../src/connectors/prisma-adapter.js";
import { hashSessionKey } from "../../src/keys.js";
import { jsonSerializer } from "../../src/serializer.js";
import { SessionManager } from "../../src/session-manager.js";
import { SessionStore } from "../../src/session-store.js";
import { type CountedPool, countedPool, SCHEMA, TABLE } from "./database.js";
import { pgSql, prismaSql, SqlConnector } from "./prototypes.js";

/** Half of the default 7-day idle window: a row closer than this to its deadline is touched. */
const HALF_IDLE_MS = 3.5 * 86_400_000;
const IDLE_MS = 7 * 86_400_000;

/** The operations of a request, as both subjects perform them. */
export interface Subject {
  readonly name: string;
  readonly counted: CountedPool;
  /** A request that reads its session. */
  load(key: string): Promise<void>;
  /** A request that reads its session, changes one key and saves (one op). */
  loadAndSave(key: string, value: number): Promise<void>;
  /** A request that reads its session and only extends the due deadline. */
  loadAndTouch(key: string): Promise<void>;
  /** Loads (untimed) and returns the timed part: set one key, then save. */
  prepareSave(key: string): Promise<(value: number) => Promise<void>>;
  /** Loads (untimed) and returns the timed part: a save that only extends the deadline. */
  prepareTouch(key: string): Promise<() => Promise<void>>;
  /** Ends the session. */
  destroy(key: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The Prisma client an application would run in production. Our own pool, so the adapter's
 * queries are counted on the wire (the adapter leaves an external pool open). `errorFormat` is
 * what NODE_ENV=production selects; the development default captures a stack trace per query.
 */
export function benchClient(pool: pg.Pool, errorFormat: "minimal" | "colorless" = "minimal"): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg(pool, { schema: SCHEMA }), errorFormat });
}

/** Which connector "ours" runs on: the library's, or a prototype from ./prototypes.ts. */
export const CONNECTORS = ["prisma", "prisma-sql", "adapter", "pg"] as const;
export type ConnectorKind = (typeof CONNECTORS)[number];

function connectorOf(kind: ConnectorKind, prisma: PrismaClient, pool: pg.Pool): SessionConnector {
  if (kind === "prisma-sql") return new SqlConnector(prismaSql(prisma), TABLE);
  if (kind === "adapter") {
    return new PrismaAdapterConnector(new PrismaPg(pool, { schema: SCHEMA }), { table: `${SCHEMA}.sessions` });
  }
  if (kind === "pg") return new SqlConnector(pgSql(pool), TABLE);
  return new PrismaConnector(prisma);
}

/** prisma-sessions as an application uses it, through the generated PostgreSQL client. */
export function ours(connectionString: string, max: number, kind: ConnectorKind = "prisma"): Subject {
  const counted = countedPool(connectionString, max);
  const prisma = benchClient(counted.pool);
  const connector = connectorOf(kind, prisma, counted.pool);
  const sessions = new SessionManager<{ counter: number }>({ connector });
  const open = (key: string) => new SessionStore<{ counter: number }>(key, sessions.options);
  const loaded = async (key: string) => {
    const store = open(key);
    await store.load();
    if (store.sessionKey !== key) throw new Error("benchmark session not found: the seed is broken");
    return store;
  };
  return {
    name:
      kind === "prisma"
        ? "ours (PrismaConnector)"
        : kind === "adapter"
          ? "ours (PrismaAdapterConnector)"
          : `ours (${kind})`,
    counted,
    load: async (key) => {
      await open(key).load();
    },
    loadAndSave: async (key, value) => {
      const store = await loaded(key);
      store.set("counter", value);
      await store.save();
    },
    loadAndTouch: async (key) => {
      await (await loaded(key)).save();
    },
    prepareSave: async (key) => {
      const store = await loaded(key);
      return async (value) => {
        store.set("counter", value);
        await store.save();
      };
    },
    prepareTouch: async (key) => {
      const store = await loaded(key);
      if (!store.needsUpdate()) throw new Error("benchmark session is not due for a touch");
      return () => store.save();
    },
    destroy: (key) => open(key).destroy(),
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
  created_at: Date;
  updated_at: Date;
}

interface RawSession {
  row: RawRow;
  data: Record<string, unknown>;
}

const SELECT = `SELECT id, data, user_id, version, expires_at, absolute_expires_at, browser_session, created_at, updated_at
  FROM ${TABLE} WHERE id = $1`;
const UPDATE = `UPDATE ${TABLE} SET data = $3, user_id = $4, version = version + 1, expires_at = $5::timestamp,
  absolute_expires_at = $6::timestamp, browser_session = $7, updated_at = $8::timestamp WHERE id = $1 AND version = $2`;
const TOUCH = `UPDATE ${TABLE} SET expires_at = $2::timestamp, updated_at = $3::timestamp
  WHERE id = $1 AND expires_at > $3::timestamp AND expires_at < $2::timestamp`;
const DELETE = `DELETE FROM ${TABLE} WHERE id = $1`;

/** The same requests on plain `pg`: one statement each, no ORM. */
export function raw(connectionString: string, max: number): Subject {
  const counted = countedPool(connectionString, max);
  const { pool } = counted;

  const read = async (key: string): Promise<RawSession | null> => {
    const { rows } = await pool.query<RawRow>(SELECT, [hashSessionKey(key)]);
    const row = rows[0];
    if (row === undefined || row.expires_at.getTime() <= Date.now()) return null;
    return { row, data: jsonSerializer.parse(row.data) };
  };
  const mustRead = async (key: string): Promise<RawSession> => {
    const session = await read(key);
    if (session === null) throw new Error("benchmark session not found: the seed is broken");
    return session;
  };
  const write = async ({ row, data }: RawSession, value: number): Promise<void> => {
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
  };
  const touch = async ({ row }: RawSession): Promise<void> => {
    const now = Date.now();
    if (row.expires_at.getTime() - now >= HALF_IDLE_MS) return;
    const expiresAt = Math.min(now + IDLE_MS, row.absolute_expires_at.getTime());
    await pool.query(TOUCH, [row.id, new Date(expiresAt).toISOString(), new Date(now).toISOString()]);
  };

  return {
    name: "raw",
    counted,
    load: async (key) => {
      await read(key);
    },
    loadAndSave: async (key, value) => write(await mustRead(key), value),
    loadAndTouch: async (key) => touch(await mustRead(key)),
    prepareSave: async (key) => {
      const session = await mustRead(key);
      return (value) => write(session, value);
    },
    prepareTouch: async (key) => {
      const session = await mustRead(key);
      return () => touch(session);
    },
    destroy: async (key) => {
      await pool.query(DELETE, [hashSessionKey(key)]);
    },
    close: () => pool.end(),
  };
}
