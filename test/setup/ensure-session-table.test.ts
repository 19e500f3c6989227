import { afterEach, describe, expect, it } from "@jest/globals";
import { ConfigError, ConnectorError } from "../../src/errors.js";
import { ensureSessionTable } from "../../src/setup/ensure-session-table.js";
import type { RawSqlClient } from "../../src/storage/prisma-raw.js";
import { openTestDatabase, type Provider, providers, type TestDatabase } from "../support/databases.js";

const COLUMNS = [
  "absolute_expires_at",
  "browser_session",
  "client_address",
  "created_at",
  "data",
  "expires_at",
  "id",
  "updated_at",
  "user_agent",
  "user_id",
  "version",
];
/** Statements of the shipped migrations: the table (and its indexes), then the device columns. */
const STATEMENTS: Record<Provider, number> = { sqlite: 5, postgresql: 4, mysql: 2 };
/** The first migration alone, as versions before 0.2 shipped it. */
const FIRST_MIGRATION: Record<Provider, string[]> = {
  sqlite: [
    'CREATE TABLE "sessions" ("id" TEXT NOT NULL PRIMARY KEY, "data" TEXT NOT NULL, "user_id" TEXT, "version" INTEGER NOT NULL DEFAULT 1, "expires_at" DATETIME NOT NULL, "absolute_expires_at" DATETIME NOT NULL, "browser_session" BOOLEAN NOT NULL DEFAULT false, "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP, "updated_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP)',
    'CREATE INDEX "sessions_expires_at_idx" ON "sessions"("expires_at")',
    'CREATE INDEX "sessions_user_id_idx" ON "sessions"("user_id")',
  ],
  postgresql: [
    'CREATE TABLE "sessions" ("id" TEXT NOT NULL, "data" TEXT NOT NULL, "user_id" TEXT, "version" INTEGER NOT NULL DEFAULT 1, "expires_at" TIMESTAMP(3) NOT NULL, "absolute_expires_at" TIMESTAMP(3) NOT NULL, "browser_session" BOOLEAN NOT NULL DEFAULT false, "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, CONSTRAINT "sessions_pkey" PRIMARY KEY ("id"))',
    'CREATE INDEX "sessions_expires_at_idx" ON "sessions"("expires_at")',
    'CREATE INDEX "sessions_user_id_idx" ON "sessions"("user_id")',
  ],
  mysql: [
    "CREATE TABLE `sessions` (`id` VARCHAR(191) NOT NULL, `data` MEDIUMTEXT NOT NULL, `user_id` VARCHAR(191) NULL, `version` INTEGER NOT NULL DEFAULT 1, `expires_at` DATETIME(3) NOT NULL, `absolute_expires_at` DATETIME(3) NOT NULL, `browser_session` BOOLEAN NOT NULL DEFAULT false, `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), `updated_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), INDEX `sessions_expires_at_idx`(`expires_at`), INDEX `sessions_user_id_idx`(`user_id`), PRIMARY KEY (`id`)) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
  ],
};
const INDEXES = ["sessions_expires_at_idx", "sessions_user_id_idx"];

/** Catalog queries through the plain driver, one per provider, each returning `name` rows. */
const CATALOG: Record<Provider, { tables: string; columns: string; indexes: string }> = {
  sqlite: {
    tables: "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'sessions'",
    columns: "SELECT name FROM pragma_table_info('sessions')",
    // sql IS NULL for the automatic index behind the primary key
    indexes: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'sessions' AND sql IS NOT NULL",
  },
  postgresql: {
    tables: "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()",
    columns:
      "SELECT column_name AS name FROM information_schema.columns" +
      " WHERE table_schema = current_schema() AND table_name = 'sessions'",
    indexes:
      "SELECT indexname AS name FROM pg_indexes" +
      " WHERE schemaname = current_schema() AND tablename = 'sessions' AND indexname <> 'sessions_pkey'",
  },
  mysql: {
    tables: "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()",
    columns:
      "SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS" +
      " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'sessions'",
    indexes:
      "SELECT DISTINCT INDEX_NAME AS name FROM information_schema.STATISTICS" +
      " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'sessions' AND INDEX_NAME <> 'PRIMARY'",
  },
};

async function names(db: TestDatabase, query: string): Promise<string[]> {
  return (await db.sql(query)).map((row) => String(row.name)).sort();
}

describe.each(providers)("ensureSessionTable on %s", (provider) => {
  let db: TestDatabase | undefined;
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });

  async function emptyDatabase(): Promise<TestDatabase> {
    db = await openTestDatabase(provider, { createTable: false });
    return db;
  }

  it("creates the sessions table with its columns and indexes", async () => {
    const database = await emptyDatabase();
    const result = await ensureSessionTable(database.prisma, { provider });
    expect(result).toEqual({ created: true, statements: STATEMENTS[provider] });
    expect(await names(database, CATALOG[provider].tables)).toEqual(["sessions"]);
    expect(await names(database, CATALOG[provider].columns)).toEqual(COLUMNS);
    expect(await names(database, CATALOG[provider].indexes)).toEqual(INDEXES);
  });

  it("upgrades a table created by the first migration: adds the device columns, keeps the rows", async () => {
    const database = await emptyDatabase();
    for (const statement of FIRST_MIGRATION[provider]) await database.exec(statement);
    await database.exec(
      "INSERT INTO sessions (id, data, expires_at, absolute_expires_at) VALUES ('old-row', '{}', '2030-01-01 00:00:00', '2030-01-01 00:00:00')",
    );
    const result = await ensureSessionTable(database.prisma, { provider });
    expect(result).toEqual({ created: true, statements: 1 + (provider === "sqlite" ? 1 : 0) });
    expect(await names(database, CATALOG[provider].columns)).toEqual(COLUMNS);
    expect(await database.sql("SELECT id, user_agent, client_address FROM sessions")).toEqual([
      { id: "old-row", user_agent: null, client_address: null },
    ]);
  });

  it("refuses a sessions table of another shape, naming the columns it lacks", async () => {
    const database = await emptyDatabase();
    await database.exec("CREATE TABLE sessions (sid VARCHAR(64) PRIMARY KEY, sess TEXT, expire TIMESTAMP(3))");
    const failure = ensureSessionTable(database.prisma, { provider });
    await expect(failure).rejects.toBeInstanceOf(ConfigError);
    await expect(failure).rejects.toThrow(/"sessions" exists but lacks the columns "id", "data"/);
  });

  it("applies nothing the second time", async () => {
    const database = await emptyDatabase();
    await ensureSessionTable(database.prisma, { provider });
    expect(await ensureSessionTable(database.prisma, { provider })).toEqual({ created: false, statements: 0 });
    expect(await names(database, CATALOG[provider].indexes)).toEqual(INDEXES);
  });

  it("lets concurrent callers all succeed and leaves one table", async () => {
    const database = await emptyDatabase();
    const results = await Promise.all(
      Array.from({ length: 5 }, () => ensureSessionTable(database.prisma, { provider })),
    );
    expect(results.some((result) => result.created)).toBe(true);
    expect(await names(database, CATALOG[provider].tables)).toEqual(["sessions"]);
    expect(await names(database, CATALOG[provider].indexes)).toEqual(INDEXES);
  });

  it("creates a table Prisma can write and read", async () => {
    db = await openTestDatabase(provider);
    const now = new Date("2026-11-26T12:00:00.000Z");
    const row = {
      id: "a".repeat(64),
      data: JSON.stringify({ cart: [1, 2] }),
      userId: "user-1",
      version: 1,
      expiresAt: new Date("2026-11-26T13:00:00.000Z"),
      absoluteExpiresAt: new Date("2026-11-27T12:00:00.000Z"),
      browserSession: false,
      createdAt: now,
      updatedAt: now,
      userAgent: null,
      clientAddress: null,
    };
    await db.prisma.session.create({ data: row });
    expect(await db.prisma.session.findUnique({ where: { id: row.id } })).toEqual(row);
    expect(await db.sql("SELECT id, user_id, version FROM sessions")).toEqual([
      { id: row.id, user_id: "user-1", version: 1 },
    ]);
  });
});

describe("ensureSessionTable failures", () => {
  /** A client whose catalog is always empty and whose statements all fail with `error`. */
  function failingClient(error: unknown): RawSqlClient {
    return {
      $executeRawUnsafe: async () => {
        throw error;
      },
      $queryRawUnsafe: async () => [],
    };
  }

  it("refuses an unknown provider", async () => {
    // @ts-expect-error: JavaScript callers can pass any provider name
    const result = ensureSessionTable(failingClient(new Error("unused")), { provider: "oracle" });
    await expect(result).rejects.toBeInstanceOf(ConfigError);
  });

  it("wraps a database error that is not 'already exists' in ConnectorError", async () => {
    const denied = Object.assign(new Error("permission denied for schema public"), { code: "42501" });
    const result = ensureSessionTable(failingClient(denied), { provider: "postgresql" });
    await expect(result).rejects.toBeInstanceOf(ConnectorError);
    await expect(result).rejects.toMatchObject({ code: "CONNECTOR_ERROR", cause: denied });
  });

  it("counts Prisma's wrapped 'already exists' driver error as done", async () => {
    const exists = { code: "P2010", meta: { driverAdapterError: { cause: { kind: "postgres", code: "42P07" } } } };
    await expect(ensureSessionTable(failingClient(exists), { provider: "postgresql" })).resolves.toEqual({
      created: false,
      statements: 0,
    });
  });
});
