// The cleanup benchmark's database: its own PostgreSQL schema with the shipped migration, filled
// in bulk by the server itself (INSERT … SELECT generate_series), never through Node.
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../../prisma/generated/postgresql/client.js";
import { ensureSessionTable } from "../../src/setup/ensure-session-table.js";

/** The schema the benchmark creates and drops; nothing outside it is touched. */
export const SCHEMA = "prisma_sessions_cleanup_bench";

export const URL = process.env.PRISMA_SESSIONS_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test";

/** The URL the command line would be given: Prisma's `?schema=` names the schema. */
export const SCHEMA_URL = `${URL}${URL.includes("?") ? "&" : "?"}schema=${SCHEMA}`;

/** A pg pool whose connections work in the benchmark schema. */
export function schemaPool(max: number): pg.Pool {
  return new pg.Pool({ connectionString: URL, options: `-c search_path=${SCHEMA}`, max });
}

/** The generated Prisma client on the benchmark schema, as an application would hold it (optionally on its own pg pool). */
export function prismaClient(pool?: pg.Pool): PrismaClient {
  const config = pool ?? { connectionString: URL, options: `-c search_path=${SCHEMA}` };
  return new PrismaClient({ adapter: new PrismaPg(config, { schema: SCHEMA }) });
}

/** Drops the schema, recreates it and the table (the shipped migration, as ensureSessionTable applies it). */
export async function resetSchema(admin: pg.Pool): Promise<void> {
  await admin.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`);
  await admin.query(`CREATE SCHEMA "${SCHEMA}"`);
  const prisma = prismaClient();
  try {
    await ensureSessionTable(prisma, { provider: "postgresql" });
  } finally {
    await prisma.$disconnect();
  }
}

export async function dropSchema(admin: pg.Pool): Promise<void> {
  await admin.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`);
}

/**
 * `expired` rows whose deadlines are spread over the last 30 days and `live` ones over the next 7,
 * each with a ~200-byte payload and one of 10,000 owners, then VACUUM ANALYZE (as autovacuum
 * would have, long before a real cleanup runs).
 *
 * `ordered` (the default) stores rows roughly in deadline order, as a real table does: a session's
 * row is (re)written when it is created or extended, and its deadline is that moment plus the idle
 * timeout, so older deadlines sit in older pages (give or take an hour of jitter here). `shuffled`
 * scatters deadlines at random over the table: the worst case for a cleanup that walks the
 * deadline index, as every row of a batch then sits on another page.
 */
export async function fill(
  admin: pg.Pool,
  expired: number,
  live: number,
  order: "ordered" | "shuffled",
): Promise<void> {
  const insert = (prefix: string, count: number, deadline: string) =>
    admin.query(
      `INSERT INTO "${SCHEMA}".sessions (id, data, user_id, version, expires_at, absolute_expires_at, created_at, updated_at)
       SELECT encode(sha256(($1 || g)::bytea), 'hex'),
              '{"cart":["apple","pear"],"theme":"dark","csrf":"' || md5(g::text) || '","visits":' || g || ',"flash":null,"locale":"en-GB","pad":"' || repeat('x', 60) || '"}',
              'user-' || (g % 10000), 1, ${deadline}, ${deadline},
              (now() AT TIME ZONE 'utc') - interval '31 days', (now() AT TIME ZONE 'utc') - interval '1 day'
       FROM generate_series(1, ${count}) AS g`,
      [prefix],
    );
  const spread =
    order === "shuffled"
      ? "random() * interval '30 days'"
      : `(${expired} - g) * (interval '30 days' / ${expired}) + random() * interval '1 hour'`;
  await insert("expired-", expired, `(now() AT TIME ZONE 'utc') - (${spread}) - interval '1 second'`);
  await insert("live-", live, `(now() AT TIME ZONE 'utc') + interval '1 hour' + (random() * interval '7 days')`);
  await admin.query(`VACUUM ANALYZE "${SCHEMA}".sessions`);
}

/** Rows with a deadline at or before now, and after it. */
export async function countRows(admin: pg.Pool): Promise<{ expired: number; live: number }> {
  const { rows } = await admin.query<{ expired: string; live: string }>(
    `SELECT COUNT(*) FILTER (WHERE expires_at <= now() AT TIME ZONE 'utc') AS expired,
            COUNT(*) FILTER (WHERE expires_at > now() AT TIME ZONE 'utc') AS live FROM "${SCHEMA}".sessions`,
  );
  return { expired: Number(rows[0]?.expired), live: Number(rows[0]?.live) };
}
