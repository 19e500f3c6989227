// The benchmark's database: a dedicated PostgreSQL schema holding the project's own migration (and
// the tables of the other stores measured), pools that count round trips and connections on the
// wire, and the seeded sessions every measurement reads.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { generateSessionKey, hashSessionKey } from "../../src/keys.js";
import { jsonSerializer } from "../../src/serializer.js";

/**
 * The schema the benchmark creates and drops; nothing outside it is touched. PRISMA_SESSIONS_BENCH_SCHEMA
 * picks another name, so that two people benchmarking on one server do not drop each other's.
 */
export const SCHEMA = process.env.PRISMA_SESSIONS_BENCH_SCHEMA ?? "prisma_sessions_bench";
export const TABLE = `"${SCHEMA}"."sessions"`;
/** The raw `pg` express-session store's table: the same columns and indexes as ours. */
export const RAW_TABLE = `"${SCHEMA}"."raw_sessions"`;
/** connect-pg-simple's table, from its table.sql. */
export const CPS_TABLE = "session";
/** @quixo3/prisma-session-store's table, as `prisma migrate` would create its model (scripts/bench/quixo). */
const QUIXO_DDL = [
  `CREATE TABLE "${SCHEMA}"."Session" ("id" TEXT NOT NULL, "sid" TEXT NOT NULL, "data" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL, CONSTRAINT "Session_pkey" PRIMARY KEY ("id"))`,
  `CREATE UNIQUE INDEX "Session_sid_key" ON "${SCHEMA}"."Session"("sid")`,
];
const CPS_DDL = [
  `CREATE TABLE "${SCHEMA}"."session" ("sid" varchar NOT NULL COLLATE "default", "sess" json NOT NULL,
    "expire" timestamp(6) NOT NULL)`,
  `ALTER TABLE "${SCHEMA}"."session" ADD CONSTRAINT "session_pkey" PRIMARY KEY ("sid") NOT DEFERRABLE INITIALLY IMMEDIATE`,
  `CREATE INDEX "IDX_session_expire" ON "${SCHEMA}"."session" ("expire")`,
];

const MIGRATIONS = join(import.meta.dirname, "..", "..", "prisma", "postgresql", "migrations");
const DAY_MS = 86_400_000;
const TIMESTAMP_OID = 1114;

/** Timestamps are stored as UTC wall time (Prisma's convention); read them back as UTC. */
const types = new pg.TypeOverrides();
types.setTypeParser(TIMESTAMP_OID, (text) => new Date(`${text.replace(" ", "T")}Z`));

/** A pg pool, the round trips (ReadyForQuery messages) its connections completed, and the connections it opened. */
export interface CountedPool {
  readonly pool: pg.Pool;
  roundTrips(): number;
  connections(): number;
}

/**
 * Every extended-protocol query ends in one Sync and the server answers it with one ReadyForQuery,
 * so counting those messages counts round trips, whoever issued the query (Prisma or us). The
 * connection's own start-up ReadyForQuery is not counted: `connect` fires after it.
 */
export function countedPool(connectionString: string, max: number): CountedPool {
  const pool = new pg.Pool({ connectionString, max, types });
  let count = 0;
  let opened = 0;
  pool.on("connect", (client) => {
    opened++;
    client.connection.on("readyForQuery", () => count++);
  });
  return { pool, roundTrips: () => count, connections: () => opened };
}

/** The statements of the shipped PostgreSQL migrations, in order (what `prisma migrate deploy` runs). */
function migrationStatements(): string[] {
  const folders = readdirSync(MIGRATIONS, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  if (folders.length === 0) throw new Error(`no migrations under ${MIGRATIONS}`);
  return folders.flatMap((folder) =>
    readFileSync(join(MIGRATIONS, folder, "migration.sql"), "utf8")
      .split(";")
      .map((statement) => statement.replace(/^\s*--.*$/gm, "").trim())
      .filter((statement) => statement.length > 0),
  );
}

/** Drops any leftover benchmark schema and recreates the table from the migration SQL. */
export async function createSchema(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`);
    await client.query(`CREATE SCHEMA "${SCHEMA}"`);
    await client.query(`SET search_path TO "${SCHEMA}"`);
    for (const statement of migrationStatements()) await client.query(statement);
    await client.query(`CREATE TABLE ${RAW_TABLE} (LIKE ${TABLE} INCLUDING ALL)`);
    for (const statement of [...CPS_DDL, ...QUIXO_DDL]) await client.query(statement);
  } finally {
    // The search_path must not leak into the next user of this pooled connection.
    await client.query("RESET search_path");
    client.release();
  }
}

export async function dropSchema(pool: pg.Pool): Promise<void> {
  await pool.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`);
}

/** About 1 KB of typical session data once serialized. */
export function sampleData(seed: number): Record<string, unknown> {
  return {
    userId: `user-${seed}`,
    csrf: generateSessionKey(),
    roles: ["customer", "newsletter"],
    locale: "en-GB",
    lastSeen: new Date(1_780_000_000_000 + seed * 1000),
    cart: Array.from({ length: 6 }, (_, i) => ({ sku: `SKU-${seed}-${i}`, qty: 1 + (i % 3), price: 1999 + i })),
    flash: { kind: "info", text: "Your order has been placed. A confirmation e-mail is on its way." },
    prefs: { theme: "dark", currency: "EUR", pageSize: 25, notifications: { email: true, sms: false } },
    history: Array.from({ length: 10 }, (_, i) => `/products/category-${(seed + i) % 40}/item-${i}`),
    consent: { analytics: true, marketing: false, decidedAt: new Date(1_779_000_000_000 + seed * 1000) },
  };
}

/**
 * What express-session hands its store for a session with a 7-day cookie (the JSON of its Cookie
 * and the data): the ~1 KB of {@link sampleData} as JSON, Dates as strings.
 */
export function expressData(seed: number, expires: Date): Record<string, unknown> {
  const cookie = {
    originalMaxAge: 7 * DAY_MS,
    expires: expires.toISOString(),
    secure: false,
    httpOnly: true,
    path: "/",
  };
  return { cookie, ...JSON.parse(JSON.stringify(sampleData(seed))) };
}

/** Deadlines of a seeded row: idle deadline `dueInDays` away, absolute one 30 days away. */
function deadlines(now: number, dueInDays: number): { expiresAt: string; absoluteExpiresAt: string } {
  return {
    expiresAt: new Date(now + dueInDays * DAY_MS).toISOString(),
    absoluteExpiresAt: new Date(now + 30 * DAY_MS).toISOString(),
  };
}

/**
 * Inserts `count` sessions and returns their keys. `dueInDays` below half the 7-day idle window
 * makes the next unmodified save a touch.
 */
export async function seedSessions(
  pool: pg.Pool,
  count: number,
  dueInDays: number,
  options: { table?: string; data?: (seed: number, expires: Date) => string } = {},
): Promise<string[]> {
  const { table = TABLE, data = (seed) => jsonSerializer.stringify(sampleData(seed)) } = options;
  const keys = Array.from({ length: count }, generateSessionKey);
  const { expiresAt, absoluteExpiresAt } = deadlines(Date.now(), dueInDays);
  const chunk = 2000;
  for (let start = 0; start < count; start += chunk) {
    const part = keys.slice(start, start + chunk);
    await pool.query(
      `INSERT INTO ${table} (id, data, version, expires_at, absolute_expires_at, created_at, updated_at)
       SELECT id, data, 1, $3::timestamp, $4::timestamp, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
       FROM unnest($1::text[], $2::text[]) AS t(id, data)`,
      [
        part.map(hashSessionKey),
        part.map((_, i) => data(start + i, new Date(expiresAt))),
        expiresAt,
        absoluteExpiresAt,
      ],
    );
  }
  return keys;
}

/** Sessions in connect-pg-simple's table (plain sids, `sess` as JSON), express-session's data. */
export async function seedCpsSessions(pool: pg.Pool, count: number, dueInDays: number): Promise<string[]> {
  const sids = Array.from({ length: count }, generateSessionKey);
  const { expiresAt } = deadlines(Date.now(), dueInDays);
  const data = sids.map((_, i) => JSON.stringify(expressData(i, new Date(expiresAt))));
  await pool.query(
    `INSERT INTO "${SCHEMA}"."${CPS_TABLE}" (sid, sess, expire)
     SELECT sid, sess::json, $3::timestamp FROM unnest($1::text[], $2::text[]) AS t(sid, sess)`,
    [sids, data, expiresAt],
  );
  return sids;
}

/** Sessions in @quixo3/prisma-session-store's table (record id = sid), express-session's data as JSON. */
export async function seedQuixoSessions(pool: pg.Pool, count: number, dueInDays: number): Promise<string[]> {
  const sids = Array.from({ length: count }, generateSessionKey);
  const { expiresAt } = deadlines(Date.now(), dueInDays);
  const data = sids.map((_, i) => JSON.stringify(expressData(i, new Date(expiresAt))));
  await pool.query(
    `INSERT INTO "${SCHEMA}"."Session" (id, sid, data, "expiresAt")
     SELECT sid, sid, data, $3::timestamp FROM unnest($1::text[], $2::text[]) AS t(sid, data)`,
    [sids, data, expiresAt],
  );
  return sids;
}

/** Makes every row due for a touch again (between measurements, never during one). */
export async function rearmTouches(pool: pg.Pool, dueInDays: number): Promise<void> {
  const { expiresAt } = deadlines(Date.now(), dueInDays);
  for (const [table, column] of [
    [TABLE, "expires_at"],
    [RAW_TABLE, "expires_at"],
    [`"${SCHEMA}"."${CPS_TABLE}"`, "expire"],
    [`"${SCHEMA}"."Session"`, '"expiresAt"'],
  ]) {
    await pool.query(`UPDATE ${table} SET ${column} = $1::timestamp`, [expiresAt]);
    await pool.query(`VACUUM ANALYZE ${table}`);
  }
}

/**
 * Starts every throughput run from the same server state: without a checkpoint, whichever run
 * follows a bulk write pays for its full-page WAL images and background flushing.
 * Needs superuser or pg_checkpoint; without them runs are only noisier, so it is skipped.
 */
export async function settle(pool: pg.Pool): Promise<void> {
  await pool.query("CHECKPOINT").catch(() => undefined);
}
