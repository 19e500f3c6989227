// The scale benchmark's tables, filled by the server itself (INSERT … SELECT generate_series): the
// shipped plain table in schema "plain", the opt-in partitioned one in schema "part". Row g is the
// same in both (its values are hashes of g), so both layouts hold the same sessions.
import { readFileSync } from "node:fs";
import type pg from "pg";

export const LAYOUTS = ["plain", "part"] as const;
export type Layout = (typeof LAYOUTS)[number];

const ROOT = new URL("../../", import.meta.url);
const sql = (path: string) => readFileSync(new URL(path, ROOT), "utf8");
const PLAIN = [
  "prisma/postgresql/migrations/20261126000000_init",
  "prisma/postgresql/migrations/20261201000000_device_metadata",
];
const PARTITIONED = "prisma/postgresql-partitioned/migrations/20261207000000_partitioned_sessions";

/** Days of creation times in the table: a 30-day absolute timeout plus a 12-day backlog (the oldest week is wholly expired). */
export const SPAN_DAYS = 42;
const ABSOLUTE_DAYS = 30;
const IDLE_DAYS = 2;

/** The session id of row g: what the connector is asked for. */
export function idSql(g: string): string {
  return `encode(sha256(('scale-' || ${g})::bytea), 'hex')`;
}

/**
 * Creates schema `layout` + `suffix` and `layout`'s table in it (the shipped migrations, as
 * `prisma migrate deploy` runs them).
 */
export async function createTable(admin: pg.Pool, layout: Layout, t0: string, suffix = ""): Promise<void> {
  const schema = `${layout}${suffix}`;
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
  const client = await admin.connect();
  try {
    await client.query(`SET search_path = ${schema}`);
    if (layout === "plain") for (const dir of PLAIN) await client.query(sql(`${dir}/migration.sql`));
    else {
      await client.query(sql(`${PARTITIONED}/migration.sql`));
      // Past weeks back to the oldest creation time, named as sessions_add_partitions names them.
      await client.query(`DO $$ DECLARE w timestamp; BEGIN
        FOR i IN 1..${Math.ceil(SPAN_DAYS / 7) + 1} LOOP
          w := date_trunc('week', '${t0}'::timestamp) - make_interval(weeks => i);
          EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF sessions FOR VALUES FROM (%L) TO (%L)',
            'sessions_p' || to_char(w, 'IYYY"w"IW'), w, w + interval '1 week');
        END LOOP; END $$`);
    }
  } finally {
    client.release();
  }
}

/**
 * Rows g in (from, to] into `layout`, as years of sliding touches leave a table: created over the
 * last 42 days (uniform), an absolute deadline 30 days after creation, a last touch skewed towards
 * now, an idle deadline 2 days after it (never past the absolute one), and nothing ordered on the
 * heap by deadline (each row's values are independent hashes of g). About 40 % are expired at `t0`.
 * The uniqueness trigger is off during the bulk load: the ids are distinct by construction.
 */
export async function insertRows(
  admin: pg.Pool,
  layout: Layout,
  from: number,
  to: number,
  t0: string,
  suffix = "",
): Promise<void> {
  const schema = `${layout}${suffix}`;
  const u = (seed: number) => `(abs(hashint8extended(g, ${seed})) % 1000000000) / 1e9`;
  const t = `timestamp '${t0}'`;
  const client = await admin.connect();
  try {
    if (layout === "part") await client.query(`ALTER TABLE ${schema}.sessions DISABLE TRIGGER sessions_unique_id`);
    await client.query(`INSERT INTO ${schema}.sessions (id, data, user_id, version, expires_at, absolute_expires_at,
        created_at, updated_at, user_agent, client_address)
      SELECT ${idSql("g")},
        '{"cart":["apple","pear"],"theme":"dark","csrf":"' || md5(g::text) || '","visits":' || g % 97 || ',"locale":"en-GB","pad":"' || repeat('x', 60) || '"}',
        'user-' || (g % 1000000), 1 + (g % 7)::int, LEAST(touched + interval '${IDLE_DAYS} days', absolute), absolute,
        created, touched, 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0',
        '203.0.' || (g % 256) || '.' || (g % 251)
      FROM (SELECT g, created, absolute,
          LEAST(${t}, absolute) - power(${u(2)}, 8) * (LEAST(${t}, absolute) - created) AS touched
        FROM (SELECT g, ${t} - ${u(1)} * interval '${SPAN_DAYS} days' AS created FROM generate_series(${from + 1}, ${to}) AS g) c,
          LATERAL (SELECT created + interval '${ABSOLUTE_DAYS} days' AS absolute) a) r`);
    if (layout === "part") await client.query(`ALTER TABLE ${schema}.sessions ENABLE TRIGGER sessions_unique_id`);
  } finally {
    client.release();
  }
}

/** Heap (with TOAST) and index bytes of the table, all partitions included. */
export async function tableBytes(admin: pg.Pool, layout: Layout): Promise<{ heap: number; indexes: number }> {
  const { rows } = await admin.query<{ heap: string; indexes: string }>(
    `SELECT SUM(pg_table_size(relid)) AS heap, SUM(pg_indexes_size(relid)) AS indexes
     FROM (SELECT relid FROM pg_partition_tree('${layout}.sessions') UNION SELECT '${layout}.sessions'::regclass) r`,
  );
  return { heap: Number(rows[0]?.heap), indexes: Number(rows[0]?.indexes) };
}

/** Dead tuples (as the statistics collector counts them) over all of the table's relations. */
export async function deadTuples(admin: pg.Pool, layout: Layout): Promise<{ dead: number; autovacuums: number }> {
  const { rows } = await admin.query<{ dead: string; runs: string }>(
    `SELECT SUM(n_dead_tup) AS dead, SUM(autovacuum_count) AS runs FROM pg_stat_user_tables
     WHERE relid IN (SELECT relid FROM pg_partition_tree('${layout}.sessions') UNION SELECT '${layout}.sessions'::regclass)`,
  );
  return { dead: Number(rows[0]?.dead), autovacuums: Number(rows[0]?.runs) };
}

/** Rows of `table` with a deadline at or before `t0`. */
export async function countExpired(admin: pg.Pool, table: string, t0: string): Promise<number> {
  const { rows } = await admin.query(`SELECT COUNT(*) AS n FROM ${table} WHERE expires_at <= '${t0}'`);
  return Number(rows[0]?.n);
}

const relationsOf = (layout: Layout, suffix: string) => {
  const table = `'${layout}${suffix}.sessions'::regclass`;
  const relations = `SELECT relid FROM pg_partition_tree(${table}) UNION SELECT ${table}`;
  return `c.relkind IN ('r', 'i') AND (c.oid IN (${relations})
    OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid IN (${relations})))`;
};

/**
 * Reads `layout`'s table, its partitions and their indexes into shared buffers (pg_prewarm), as
 * a table serving loads all day has them.
 */
export async function prewarm(admin: pg.Pool, layout: Layout, suffix = ""): Promise<number> {
  // Pooled connections may carry another search_path (createTable sets one): name the schema.
  await admin.query("CREATE EXTENSION IF NOT EXISTS pg_prewarm SCHEMA public");
  const { rows } = await admin.query<{ blocks: string }>(
    `SELECT SUM(public.pg_prewarm(c.oid::regclass)) AS blocks FROM pg_class c WHERE ${relationsOf(layout, suffix)}`,
  );
  return Number(rows[0]?.blocks);
}

/** The share of `layout`'s blocks (heap, partitions and indexes) that are in shared buffers now. */
export async function residentShare(admin: pg.Pool, layout: Layout, suffix = ""): Promise<number> {
  await admin.query("CREATE EXTENSION IF NOT EXISTS pg_buffercache SCHEMA public");
  const { rows } = await admin.query<{ share: string }>(
    `SELECT (SELECT COUNT(*) FROM public.pg_buffercache b JOIN pg_class c ON b.relfilenode = pg_relation_filenode(c.oid)
        AND b.relforknumber = 0 AND b.reldatabase = (SELECT oid FROM pg_database WHERE datname = current_database()) WHERE ${relationsOf(layout, suffix)})::float8
      / (SELECT SUM(pg_relation_size(c.oid)) / current_setting('block_size')::float8 FROM pg_class c WHERE ${relationsOf(layout, suffix)})
      AS share`,
  );
  return Number(rows[0]?.share);
}
