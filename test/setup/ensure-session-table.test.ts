import { afterEach, describe, expect, it } from "@jest/globals";
import { ConfigError, ConnectorError } from "../../src/errors.js";
import { ensureSessionTable } from "../../src/setup/ensure-session-table.js";
import type { RawSqlClient } from "../../src/storage/prisma-raw.js";
import { openTestDatabase, type Provider, providers, type TestDatabase } from "../support/databases.js";

const COLUMNS = [
  "absolute_expires_at",
  "browser_session",
  "created_at",
  "data",
  "expires_at",
  "id",
  "updated_at",
  "user_id",
  "version",
];
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
    expect(result).toEqual({ created: true, statements: provider === "mysql" ? 1 : 3 });
    expect(await names(database, CATALOG[provider].tables)).toEqual(["sessions"]);
    expect(await names(database, CATALOG[provider].columns)).toEqual(COLUMNS);
    expect(await names(database, CATALOG[provider].indexes)).toEqual(INDEXES);
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
