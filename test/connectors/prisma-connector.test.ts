// PrismaConnector behaviour beyond the shared contract: how it finds its table, which client it
// uses, and how it fails.
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClientKnownRequestError } from "@prisma/client/runtime/client";
import Database from "better-sqlite3";
import pg from "pg";
import { PrismaClient as MappedClient } from "../../prisma/generated/mapped-models/client.js";
import { PrismaClient as PostgresClient } from "../../prisma/generated/postgresql/client.js";
import type { SessionConnector, SessionWrite, StoredSession } from "../../src/connector.js";
import { PrismaConnector } from "../../src/connectors/prisma.js";
import { PrismaAdapterConnector } from "../../src/connectors/prisma-adapter.js";
import { ConfigError } from "../../src/errors.js";
import { PrismaCleanupTarget } from "../../src/storage/prisma-target.js";
import { openTestDatabase, type Provider, providers, type TestDatabase } from "../support/databases.js";

function thrownBy(build: () => unknown): unknown {
  try {
    build();
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to throw");
}

const MINUTE = 60_000;

function write(): SessionWrite {
  const now = new Date();
  return {
    data: "{}",
    userId: null,
    expiresAt: new Date(now.getTime() + MINUTE),
    absoluteExpiresAt: new Date(now.getTime() + 2 * MINUTE),
    browserSession: false,
    updatedAt: now,
    userAgent: null,
    clientAddress: null,
  };
}

function row(id: string): StoredSession {
  return { ...write(), id, version: 1, createdAt: new Date() };
}

/** Every connector method, each called with arguments that would succeed on a healthy table. */
const CALLS: [string, (connector: SessionConnector) => Promise<unknown>][] = [
  ["getSession", (c) => c.getSession("a")],
  ["createSession", (c) => c.createSession(row("b"))],
  ["updateSession", (c) => c.updateSession("a", 1, write())],
  ["touchSession", (c) => c.touchSession("a", new Date(Date.now() + MINUTE), new Date())],
  ["destroySession", (c) => c.destroySession("a")],
  ["listUserSessions", (c) => c.listUserSessions("user", new Date())],
  ["destroyUserSessions", (c) => c.destroyUserSessions("user", "a")],
  ["deleteExpiredSessions", (c) => c.deleteExpiredSessions(new Date(), 10)],
];

describe.each(providers)("PrismaConnector on %s", (provider: Provider) => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await openTestDatabase(provider);
  });

  afterAll(async () => {
    await db.close();
  });

  describe("construction", () => {
    it("accepts a client with the named model delegate", () => {
      expect(new PrismaConnector(db.prisma, { model: "session" })).toBeInstanceOf(PrismaConnector);
    });

    it("throws ConfigError when the client has no delegate of the named model", () => {
      const error = thrownBy(
        // @ts-expect-error: TypeScript refuses a model the client lacks; untyped callers get ConfigError
        () => new PrismaConnector(db.prisma, { model: "nope" }),
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({ code: "CONFIG_ERROR" });
    });

    it("a client that does not tell its provider needs the provider option, else it is a ConfigError at once", async () => {
      const bare = {
        session: db.prisma.session,
        $queryRawUnsafe: db.prisma.$queryRawUnsafe.bind(db.prisma),
        $executeRawUnsafe: db.prisma.$executeRawUnsafe.bind(db.prisma),
      };
      expect(thrownBy(() => new PrismaConnector(bare))).toBeInstanceOf(ConfigError);
      const told = new PrismaConnector(bare, { provider });
      expect(Math.abs((await told.currentTime()).getTime() - Date.now())).toBeLessThan(5_000);
      await told.createSession(row("bare"));
      await expect(told.getSession("bare")).resolves.toMatchObject({ id: "bare" });
    });

    it("refuses an unknown provider and an unsafe table name with ConfigError", () => {
      // @ts-expect-error: not a provider
      expect(thrownBy(() => new PrismaConnector(db.prisma, { provider: "oracle" }))).toBeInstanceOf(ConfigError);
      expect(thrownBy(() => new PrismaConnector(db.prisma, { table: 'sessions"; DROP TABLE x' }))).toBeInstanceOf(
        ConfigError,
      );
    });

    it("an adapter of a database it has no SQL for (SQL Server's reports provider 'sqlserver') is a ConfigError at once", () => {
      const connect = () => Promise.reject(new Error("never connected"));
      // @ts-expect-error: the adapter type names the providers it supports
      const error = thrownBy(() => new PrismaAdapterConnector({ provider: "sqlserver", connect }));
      expect(error).toBeInstanceOf(ConfigError);
      expect(String(error)).toMatch(/sqlserver/);
    });
  });

  describe("the database's clock", () => {
    it("currentTime asks the database, whose provider the generated client records", async () => {
      const before = Date.now();
      const now = await new PrismaConnector(db.prisma).currentTime();
      expect(Math.abs(now.getTime() - before)).toBeLessThan(5_000);
    });
  });

  describe("answers", () => {
    it("destroySession of a missing row resolves without error", async () => {
      await expect(new PrismaConnector(db.prisma).destroySession("missing-row")).resolves.toBeUndefined();
    });

    it("a row the connector wrote reads back through the application's own model calls, field for field", async () => {
      const written = { ...row("model-read"), userId: "ann", userAgent: "curl/8", clientAddress: "192.0.2.0" };
      await new PrismaConnector(db.prisma).createSession(written);
      await expect(db.prisma.session.findUnique({ where: { id: "model-read" } })).resolves.toEqual(written);
    });

    it("a row the application's model calls wrote reads back through the connector, field for field", async () => {
      const planted = { ...row("model-write"), browserSession: true, userAgent: null, clientAddress: null };
      await db.prisma.session.create({ data: planted });
      await expect(new PrismaConnector(db.prisma).getSession("model-write")).resolves.toEqual(planted);
    });

    it("a taken id is false, not an error, and the row is untouched", async () => {
      const connector = new PrismaConnector(db.prisma);
      const first = { ...row("taken"), data: '[1,{"a":1}]' };
      await expect(connector.createSession(first)).resolves.toBe(true);
      await expect(connector.createSession({ ...row("taken"), data: '[1,{"b":2}]' })).resolves.toBe(false);
      await expect(connector.getSession("taken")).resolves.toMatchObject({ data: '[1,{"a":1}]' });
    });
  });

  describe("failures", () => {
    let broken: TestDatabase;
    let connector: PrismaConnector;

    beforeAll(async () => {
      broken = await openTestDatabase(provider);
      connector = new PrismaConnector(broken.prisma);
      await broken.exec("DROP TABLE sessions");
    });

    afterAll(async () => {
      await broken.close();
    });

    it.each(CALLS)(
      "%s rejects with Prisma's error naming the table when the table is gone, instead of answering not-found",
      async (_name, call) => {
        const failure = call(connector);
        await expect(failure).rejects.toBeInstanceOf(PrismaClientKnownRequestError);
        await expect(failure).rejects.toThrow(/sessions/);
      },
    );
  });
});

describe("PrismaConnector and the generated client's data model (SQLite)", () => {
  const file = join(tmpdir(), `prisma-sessions-mapped-${process.pid}.db`);
  let prisma: MappedClient;

  beforeAll(async () => {
    const raw = new Database(file);
    raw.exec(`CREATE TABLE web_sessions (
      id TEXT NOT NULL PRIMARY KEY, data TEXT NOT NULL, user_id TEXT, version INTEGER NOT NULL DEFAULT 1,
      expires_at DATETIME NOT NULL, absolute_expires_at DATETIME NOT NULL,
      browser_session BOOLEAN NOT NULL DEFAULT false, created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
      updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP, user_agent TEXT, client_address TEXT)`);
    raw.close();
    prisma = new MappedClient({ adapter: new PrismaBetterSqlite3({ url: `file:${file}` }) });
  });

  afterAll(async () => {
    await prisma.$disconnect();
    await Promise.all(["", "-journal", "-wal", "-shm"].map((suffix) => rm(file + suffix, { force: true })));
  });

  it("stores in the table of the model's @@map, which the model's own calls then see", async () => {
    const connector = new PrismaConnector(prisma, { model: "webSession" });
    await expect(connector.createSession(row("mapped"))).resolves.toBe(true);
    await expect(prisma.webSession.findUnique({ where: { id: "mapped" } })).resolves.toMatchObject({ id: "mapped" });
    await expect(connector.getSession("mapped")).resolves.toMatchObject({ id: "mapped" });
  });

  it("refuses, naming the fields, a model whose columns are not the reference model's", () => {
    const error = thrownBy(() => new PrismaConnector(prisma, { model: "legacySession" }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(String(error)).toMatch(/userId is mapped to "userId", not "user_id"/);
    expect(String(error)).toMatch(/expiresAt is mapped to "expiresAt", not "expires_at"/);
    expect(String(error)).toMatch(/userAgent is missing/);
  });
});

const pgProvider = providers.includes("postgresql");
const PG_URL = process.env.PRISMA_SESSIONS_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test";

(pgProvider ? describe : describe.skip)("PrismaConnector through @prisma/adapter-pg's pool", () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let prisma: PostgresClient;
  let connections = 0;
  /** Every statement through adapter-pg checks a connection out of the pool (`pool.query`). */
  let checkouts = 0;

  beforeAll(async () => {
    db = await openTestDatabase("postgresql");
    const [{ path }] = (await db.sql("SELECT current_schema() AS path")) as [{ path: string }];
    pool = new pg.Pool({
      connectionString: PG_URL,
      options: `-c search_path=${path}`,
      max: 2,
    });
    pool.on("connect", () => {
      connections += 1;
    });
    pool.on("acquire", () => {
      checkouts += 1;
    });
    prisma = new PostgresClient({ adapter: new PrismaPg(pool, { schema: path }) });
  });

  afterAll(async () => {
    await prisma.$disconnect();
    await pool.end();
    await db.close();
  });

  it("inserts on taken ids answer false without closing pooled connections (a failed query would)", async () => {
    const connector = new PrismaConnector(prisma);
    await connector.createSession(row("pooled"));
    const before = connections;
    for (let i = 0; i < 20; i++) await expect(connector.createSession(row("pooled"))).resolves.toBe(false);
    expect(connections).toBe(before);
    // The counter does count reconnects: one failed statement costs a connection.
    await expect(prisma.$executeRawUnsafe("SELECT 1/0")).rejects.toThrow();
    await connector.getSession("pooled");
    expect(connections).toBeGreaterThan(before);
  });

  it("an unqualified table is in the schema of the PrismaPg adapter, which raw SQL alone would miss", async () => {
    const [{ path }] = (await db.sql("SELECT current_schema() AS path")) as [{ path: string }];
    // No search_path: only the adapter's `schema` option says where the model's table is.
    const plain = new pg.Pool({ connectionString: PG_URL, max: 1 });
    const adapter = new PrismaPg(plain, { schema: path });
    const client = new PostgresClient({ adapter });
    try {
      await expect(client.$queryRawUnsafe("SELECT 1 FROM sessions")).rejects.toThrow(/sessions/);
      await expect(new PrismaConnector(client).createSession(row("by-schema"))).resolves.toBe(true);
      await expect(client.session.findUnique({ where: { id: "by-schema" } })).resolves.toMatchObject({
        id: "by-schema",
      });
      await expect(new PrismaAdapterConnector(adapter).getSession("by-schema")).resolves.toMatchObject({
        id: "by-schema",
      });
      const target = new PrismaCleanupTarget(client, { provider: "postgresql" });
      await expect(target.countExpiredSessions(new Date())).resolves.toBe(0);
    } finally {
      await client.$disconnect();
      await plain.end();
    }
  });

  it("loads asked for in the same turn share one query (one connection checkout for four loads)", async () => {
    const connector = new PrismaConnector(prisma);
    await Promise.all(["l1", "l2", "l3"].map((id) => connector.createSession(row(id))));
    const before = checkouts;
    const rows = await Promise.all(["l1", "l2", "l3", "missing"].map((id) => connector.getSession(id)));
    expect(rows.map((found) => found?.id ?? null)).toEqual(["l1", "l2", "l3", null]);
    expect(checkouts - before).toBe(1);
  });
});
