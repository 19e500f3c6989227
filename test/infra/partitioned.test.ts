// The opt-in partitioned layout (prisma/postgresql-partitioned, docs/guides/large-tables.md) on a
// PostgreSQL 15 cluster of its own: both Prisma connectors pass the conformance suites unchanged,
// one row per id across partitions, and cleanup (PrismaCleanupTarget with a pool, the command line)
// drops whole expired partitions and batch-deletes expired rows in the live ones.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient as PostgresClient } from "../../prisma/generated/postgresql/client.js";
import { cleanupExpiredSessions } from "../../src/cleanup/cleanup.js";
import type { BatchCursor } from "../../src/connector.js";
import { PrismaCleanupTarget } from "../../src/storage/prisma-target.js";
import { removeCliBuild, runCli } from "../cli/run-cli.js";
import { type PgCluster, startPgCluster } from "../support/infra/pg-cluster.js";
import { describePgConformance } from "../support/infra/pg-conformance.js";
import { openPgDatabase, type PgTestDatabase } from "../support/infra/pg-database.js";

const MIGRATION = readFileSync(
  new URL(
    "../../prisma/postgresql-partitioned/migrations/20261207000000_partitioned_sessions/migration.sql",
    import.meta.url,
  ),
  "utf8",
);
const DAY = 86_400_000;

let cluster: PgCluster | undefined;

beforeAll(async () => {
  cluster = await startPgCluster();
  console.info(`PostgreSQL 15 on port ${cluster.port}, up in ${Math.round(cluster.startMs)} ms`);
}, 60_000);
afterAll(async () => {
  await removeCliBuild();
  await cluster?.stop();
}, 60_000);

/** A database of its own with the partitioned table, created by the shipped migration (one simple-protocol call). */
async function openPartitioned(): Promise<PgTestDatabase> {
  if (cluster === undefined) throw new Error("the cluster did not start");
  const db = await openPgDatabase({ server: cluster.url("postgres"), createTable: false });
  const client = new pg.Client({ connectionString: db.directUrl });
  await client.connect();
  try {
    await client.query(MIGRATION);
  } finally {
    await client.end();
  }
  return db;
}

describePgConformance("on the partitioned layout", openPartitioned);

/**
 * The partitioned table with pg_partman (Debian's postgresql-15-partman) managing its partitions,
 * as docs/guides/large-tables.md tells: the migration, its own partitions dropped (empty on a new
 * database), then `partman.create_parent` (weekly, four ahead and four back, no retention).
 */
async function openPartman(): Promise<PgTestDatabase> {
  const db = await openPartitioned();
  await db.exec("CREATE SCHEMA partman");
  await db.exec("CREATE EXTENSION pg_partman SCHEMA partman");
  await db.exec(`DO $$ DECLARE p regclass; BEGIN
    FOR p IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'sessions'::regclass LOOP
      EXECUTE format('DROP TABLE %s', p);
    END LOOP; END $$`);
  await db.exec("SELECT partman.create_parent('public.sessions', 'created_at', 'native', 'weekly', p_premake := 4)");
  return db;
}

describePgConformance("with pg_partman managing the partitions", openPartman);

/** A row with this id, creation time and deadline, straight through SQL. */
function insertRow(db: PgTestDatabase, id: string, createdAt: Date, expiresAt: Date): Promise<unknown> {
  return db.sql(
    "INSERT INTO sessions (id, data, expires_at, absolute_expires_at, created_at) VALUES (?, '{}', ?, ?, ?) RETURNING id",
    [id, expiresAt, expiresAt, createdAt],
  );
}

describe("the migration: weekly partitions, one row per id across them", () => {
  let db: PgTestDatabase;
  beforeAll(async () => {
    db = await openPartitioned();
  });
  afterAll(() => db.close());

  it("the migration made weekly partitions from this week on, and a default one", async () => {
    const rows = await db.sql("SELECT COUNT(*) AS n FROM pg_inherits WHERE inhparent = 'sessions'::regclass");
    expect(Number(rows[0]?.n)).toBe(6);
  });

  it("sessions_add_partitions makes the missing weeks only, and skips a week the default partition holds rows of", async () => {
    const made = async (weeks: number) => Number((await db.sql(`SELECT sessions_add_partitions(${weeks}) AS n`))[0]?.n);
    await expect(made(4)).resolves.toBe(0);
    await expect(made(6)).resolves.toBe(2);
    const week8 = new Date(Date.now() + 8 * 7 * DAY);
    await insertRow(db, "far-ahead", week8, week8);
    await expect(made(8)).resolves.toBe(1);
    const rows = await db.sql("SELECT tableoid::regclass::text AS part FROM sessions WHERE id = 'far-ahead'");
    expect(rows).toEqual([{ part: "sessions_default" }]);
  });

  it("an insert of an id another partition holds is skipped (0 rows), as ON CONFLICT DO NOTHING reports it", async () => {
    const now = Date.now();
    await expect(insertRow(db, "dup-a", new Date(now - 60 * DAY), new Date(now - DAY))).resolves.toHaveLength(1);
    await expect(insertRow(db, "dup-a", new Date(now), new Date(now + DAY))).resolves.toHaveLength(0);
    const rows = await db.sql("SELECT tableoid::regclass::text AS part FROM sessions WHERE id = 'dup-a'");
    expect(rows).toEqual([{ part: "sessions_default" }]);
  });

  it("of two concurrent inserts of one id into different partitions, the second waits and is skipped", async () => {
    const first = new pg.Client({ connectionString: db.directUrl });
    const second = new pg.Client({ connectionString: db.directUrl });
    await Promise.all([first.connect(), second.connect()]);
    try {
      const insert =
        "INSERT INTO sessions (id, data, expires_at, absolute_expires_at, created_at) VALUES ($1, '{}', $2, $2, $3)";
      const soon = new Date(Date.now() + DAY);
      await first.query("BEGIN");
      await first.query(insert, ["race", soon, new Date()]);
      const late = second.query(insert, ["race", soon, new Date(Date.now() - 60 * DAY)]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await first.query("COMMIT");
      await expect(late).resolves.toMatchObject({ rowCount: 0 });
      await expect(db.sql("SELECT COUNT(*) AS n FROM sessions WHERE id = 'race'")).resolves.toEqual([{ n: 1 }]);
    } finally {
      await Promise.all([first.end(), second.end()]);
    }
  });
});

describe("cleanup on the partitioned layout", () => {
  let db: PgTestDatabase;
  const now = new Date();
  const monday = (weeksAgo: number) => {
    const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    const back = (day.getUTCDay() + 6) % 7;
    return new Date(day.getTime() - back * DAY - weeksAgo * 7 * DAY);
  };
  const partitions = async () =>
    (
      await db.sql(
        "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'sessions'::regclass ORDER BY 1",
      )
    ).map((row) => row.name);

  beforeAll(async () => {
    db = await openPartitioned();
  });
  afterAll(() => db.close());

  /** Two old weeks: one only expired rows (droppable), one with a live row; expired and live rows this week. */
  /** Two past weeks, fresh (so their rows take the same ctids): sessions_old3 and sessions_old2. */
  async function oldPartitions(): Promise<void> {
    await db.exec("DELETE FROM sessions");
    for (const weeks of [3, 2]) {
      await db.exec(`DROP TABLE IF EXISTS sessions_old${weeks}`);
      await db.exec(
        `CREATE TABLE sessions_old${weeks} PARTITION OF sessions FOR VALUES FROM ('${monday(weeks).toISOString()}') TO ('${monday(weeks - 1).toISOString()}')`,
      );
    }
  }

  async function fill(): Promise<void> {
    await oldPartitions();
    const past = new Date(now.getTime() - DAY);
    for (let i = 0; i < 300; i++) await insertRow(db, `old3-${i}`, new Date(monday(3).getTime() + DAY), past);
    for (let i = 0; i < 200; i++) await insertRow(db, `old2-${i}`, new Date(monday(2).getTime() + DAY), past);
    await insertRow(db, "old2-live", new Date(monday(2).getTime() + DAY), new Date(now.getTime() + DAY));
    for (let i = 0; i < 150; i++) await insertRow(db, `new-${i}`, new Date(now.getTime() - 1000), past);
    await insertRow(db, "new-live", new Date(now.getTime() - 1000), new Date(now.getTime() + DAY));
  }

  it("PrismaCleanupTarget with a pool drops the partition with no live row and batch-deletes the rest", async () => {
    await fill();
    const pool = new pg.Pool({ connectionString: db.directUrl });
    try {
      const target = new PrismaCleanupTarget(new PostgresClient({ adapter: new PrismaPg(pool) }), {
        provider: "postgresql",
        pool,
      });
      const result = await cleanupExpiredSessions(target, { now, batchSize: 100 });
      expect(result).toMatchObject({ deleted: 650, stoppedEarly: false });
    } finally {
      await pool.end();
    }
    expect(await partitions()).not.toContain("sessions_old3");
    expect(await partitions()).toContain("sessions_old2");
    const left = await db.sql("SELECT id FROM sessions ORDER BY id");
    expect(left).toEqual([{ id: "new-live" }, { id: "old2-live" }]);
  });

  it("rows sharing a deadline at a batch boundary: the next batch starts at that deadline, though a ctid names a row in each partition", async () => {
    await oldPartitions();
    const [tied, later] = [new Date(now.getTime() - 2 * 3_600_000), new Date(now.getTime() - 3_600_000)];
    // The same ctids in both partitions: the tied rows in one, expired rows with a later deadline in the other.
    for (let i = 0; i < 60; i++) await insertRow(db, `tied-${i}`, new Date(monday(3).getTime() + DAY), tied);
    for (let i = 0; i < 60; i++) await insertRow(db, `later-${i}`, new Date(monday(2).getTime() + DAY), later);
    for (const weeks of [3, 2])
      await insertRow(db, `live-${weeks}`, new Date(monday(weeks).getTime() + DAY), new Date(now.getTime() + DAY));
    const pool = new pg.Pool({ connectionString: db.directUrl });
    try {
      const target = new PrismaCleanupTarget(new PostgresClient({ adapter: new PrismaPg(pool) }), {
        provider: "postgresql",
        pool,
      });
      const result = await cleanupExpiredSessions(target, { now, batchSize: 50 });
      expect(result).toMatchObject({ deleted: 120, stoppedEarly: false });
    } finally {
      await pool.end();
    }
    await expect(db.sql("SELECT id FROM sessions ORDER BY id")).resolves.toEqual([{ id: "live-2" }, { id: "live-3" }]);
  });

  it("many expired rows scattered over the partitions: the batches sweep each partition's heap in turn, and skip one dropped mid-run", async () => {
    await oldPartitions();
    // 3,000 rows of about 400 bytes over three weeks' partitions, half of each expired, in no order on disk.
    const week = (g: string) =>
      `CASE ${g} % 3 WHEN 0 THEN '${monday(3).toISOString()}'::timestamp WHEN 1 THEN '${monday(2).toISOString()}'::timestamp ELSE '${monday(0).toISOString()}'::timestamp END + interval '1 hour'`;
    const u = "(abs(hashint8extended(g, 5)) % 1000) / 1000.0";
    const at = `'${now.toISOString().slice(0, 23)}'::timestamp`;
    await db.exec(`INSERT INTO sessions (id, data, expires_at, absolute_expires_at, created_at)
      SELECT 'sweep-' || g, '{"pad":"' || repeat('x', 320) || '"}',
        ${at} + (${u} - 0.5) * interval '2 days' + CASE WHEN ${u} < 0.5 THEN interval '0' ELSE interval '1 second' END,
        ${at} + interval '30 days', ${week("g")}
      FROM generate_series(1, 3000) AS g`);
    await db.exec("ANALYZE sessions");
    const live = async () =>
      (await db.sql(`SELECT id FROM sessions WHERE expires_at > ${at} ORDER BY id`)).map((row) => row.id);
    const pool = new pg.Pool({ connectionString: db.directUrl });
    try {
      const target = new PrismaCleanupTarget(new PostgresClient({ adapter: new PrismaPg(pool) }), {
        provider: "postgresql",
        pool,
      });
      const run = target.deleteExpiredBatches;
      if (run === undefined) throw new Error("expected the server-side batch loop");
      const relations: number[] = [];
      let from: BatchCursor | null = null;
      let dropped = false;
      for (let calls = 0; ; calls++) {
        if (calls > 500) throw new Error("the run does not end");
        const outcome = await run(now, 50, { batches: 3, ms: 60_000 }, from);
        if (outcome.done) break;
        from = outcome.from;
        if (from === null || from instanceof Date) continue;
        if (relations.at(-1) !== from.relation) relations.push(from.relation);
        // In the middle of the second partition's sweep, a person drops it (its live rows with it).
        if (relations.length === 2 && !dropped) {
          const [part] = await db.sql(`SELECT ${from.relation}::regclass::text AS name`);
          await db.exec(`DROP TABLE ${String(part?.name)}`);
          dropped = true;
        }
      }
      // The sweep went through the partitions one after the other, in the order of their oids.
      expect(relations.length).toBeGreaterThanOrEqual(3);
      expect(relations).toEqual([...relations].sort((a, b) => a - b));
      expect(dropped).toBe(true);
    } finally {
      await pool.end();
    }
    const left = await db.sql("SELECT id FROM sessions ORDER BY id");
    expect(left.map((row) => row.id)).toEqual(await live());
    await expect(db.sql(`SELECT COUNT(*) AS n FROM sessions WHERE expires_at <= ${at}`)).resolves.toEqual([{ n: 0 }]);
  });

  it("`prisma-sessions cleanup` does the same", async () => {
    await fill();
    const run = await runCli(["cleanup", "--database-url", db.directUrl, "--batch-size", "100", "--json"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ command: "cleanup", deleted: 650, stoppedEarly: false });
    expect(await partitions()).not.toContain("sessions_old3");
    await expect(db.sql("SELECT COUNT(*) AS n FROM sessions")).resolves.toEqual([{ n: 2 }]);
  });
});

describe("cleanup with pg_partman managing the partitions", () => {
  let db: PgTestDatabase;
  const now = new Date();
  /** The partitions, by name, with the start of their range (none: the default one). */
  const partitions = async () =>
    (
      await db.sql(`SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'sessions'::regclass ORDER BY 1`)
    ).map((row) => {
      const from = /FROM \('([^']+)'\)/.exec(String(row.bound))?.[1];
      return { name: String(row.name), from: from === undefined ? null : new Date(`${from.replace(" ", "T")}Z`) };
    });

  beforeAll(async () => {
    db = await openPartman();
  });
  afterAll(() => db.close());

  it("drops pg_partman's wholly expired partition, deletes the rest, and pg_partman's maintenance goes on", async () => {
    // pg_partman made four past weeks: fill the oldest with expired rows only, the next with one live row too.
    const [oldest, older] = (await partitions()).filter((part) => part.from !== null);
    if (oldest?.from == null || older?.from == null) throw new Error("pg_partman made no past weeks");
    const past = new Date(now.getTime() - DAY);
    for (let i = 0; i < 120; i++) await insertRow(db, `oldest-${i}`, new Date(oldest.from.getTime() + DAY), past);
    for (let i = 0; i < 80; i++) await insertRow(db, `older-${i}`, new Date(older.from.getTime() + DAY), past);
    await insertRow(db, "older-live", new Date(older.from.getTime() + DAY), new Date(now.getTime() + DAY));
    // Each row went to the partition pg_partman made for its week.
    await expect(
      db.sql("SELECT tableoid::regclass::text AS part, COUNT(*) AS n FROM sessions GROUP BY 1 ORDER BY 1"),
    ).resolves.toEqual([
      { part: oldest.name, n: 120 },
      { part: older.name, n: 81 },
    ]);
    const pool = new pg.Pool({ connectionString: db.directUrl });
    try {
      const target = new PrismaCleanupTarget(new PostgresClient({ adapter: new PrismaPg(pool) }), {
        provider: "postgresql",
        pool,
      });
      await expect(cleanupExpiredSessions(target, { now, batchSize: 50 })).resolves.toMatchObject({
        deleted: 200,
        stoppedEarly: false,
      });
    } finally {
      await pool.end();
    }
    const after = (await partitions()).map((part) => part.name);
    expect(after).not.toContain(oldest.name);
    expect(after).toContain(older.name);
    await expect(db.sql("SELECT id FROM sessions")).resolves.toEqual([{ id: "older-live" }]);
    // pg_partman's maintenance still runs after cleanup dropped one of its partitions, and keeps four weeks ahead.
    await db.exec("SELECT partman.run_maintenance('public.sessions')");
    const maintained = await partitions();
    expect(maintained.map((part) => part.name)).toEqual(after);
    expect(maintained.filter((part) => part.from !== null && part.from > now)).toHaveLength(4);
  });
});
