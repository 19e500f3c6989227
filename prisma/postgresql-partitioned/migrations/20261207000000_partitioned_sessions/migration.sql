-- prisma-sessions, opt-in layout for very large tables (docs/guides/large-tables.md): the same
-- columns as prisma/postgresql/migrations (init + device metadata), range-partitioned by week of
-- "created_at", which no write ever changes, so a row never moves between partitions. Cleanup
-- (the CLI, or PrismaCleanupTarget with a pool) drops a whole partition once it holds no live
-- row, and batch-deletes expired rows in the others.

-- CreateTable
CREATE TABLE "sessions" (
    "id" TEXT NOT NULL,
    "data" TEXT NOT NULL,
    "user_id" TEXT,
    "version" INTEGER NOT NULL DEFAULT 1,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "absolute_expires_at" TIMESTAMP(3) NOT NULL,
    "browser_session" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "client_address" TEXT,
    "user_agent" TEXT,

    -- A primary key of a partitioned table must hold the partition key: the database enforces
    -- (id, created_at), and the trigger below makes "id" alone unique.
    CONSTRAINT "sessions_pkey" PRIMARY KEY ("id", "created_at")
) PARTITION BY RANGE ("created_at");

-- CreateIndex
CREATE INDEX "sessions_expires_at_idx" ON "sessions"("expires_at");

-- CreateIndex
CREATE INDEX "sessions_user_id_idx" ON "sessions"("user_id");

-- Rows no weekly partition covers (created before adoption, or after the last premade week).
CREATE TABLE "sessions_default" PARTITION OF "sessions" DEFAULT;

-- One row per id across all partitions. An insert whose id any partition holds is skipped (0 rows,
-- as ON CONFLICT DO NOTHING reports it); the advisory lock makes concurrent inserts of one id wait
-- for each other, and each check runs with a fresh snapshot (READ COMMITTED, as every write of the
-- library is a single autocommitted statement), so the second one sees the first.
CREATE FUNCTION "sessions_unique_id"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  taken boolean;
BEGIN
  PERFORM pg_advisory_xact_lock(1886611315, hashtext(NEW.id));
  EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.sessions WHERE id = $1)', TG_TABLE_SCHEMA) INTO taken USING NEW.id;
  IF taken THEN
    RETURN NULL;
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER "sessions_unique_id" BEFORE INSERT ON "sessions"
    FOR EACH ROW EXECUTE FUNCTION "sessions_unique_id"();

-- Creates the weekly partitions (Monday 00:00 UTC to the next Monday) from this week to `weeks`
-- weeks ahead that do not exist yet; returns how many it made. Run it weekly (pg_cron, or your
-- scheduler) to stay ahead: rows of a week without a partition go to the default one, which
-- cleanup never drops (it batch-deletes there).
CREATE FUNCTION "sessions_add_partitions"("weeks" integer DEFAULT 4) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  week timestamp;
  made integer := 0;
  part text;
BEGIN
  FOR i IN 0..weeks LOOP
    week := date_trunc('week', now() AT TIME ZONE 'utc') + make_interval(weeks => i);
    part := 'sessions_p' || to_char(week, 'IYYY"w"IW');
    CONTINUE WHEN to_regclass(format('%I.%I', current_schema(), part)) IS NOT NULL;
    -- A week the default partition already holds rows of cannot get its own partition: skip it.
    CONTINUE WHEN EXISTS (SELECT 1 FROM sessions_default WHERE created_at >= week AND created_at < week + interval '1 week');
    EXECUTE format('CREATE TABLE %I PARTITION OF sessions FOR VALUES FROM (%L) TO (%L)', part, week,
      week + interval '1 week');
    made := made + 1;
  END LOOP;
  RETURN made;
END
$$;

SELECT "sessions_add_partitions"(4);
