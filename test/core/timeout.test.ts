// operationTimeout: a storage call that does not answer ends with StorageTimeout (a ConnectorError)
// instead of hanging as long as the database stays frozen.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { PrismaMariaDb } from "@prisma/adapter-mariadb";
import { PrismaPg } from "@prisma/adapter-pg";
import express from "express";
import request from "supertest";
import { PrismaClient as MySqlClient } from "../../prisma/generated/mysql/client.js";
import { PrismaClient as PostgresClient } from "../../prisma/generated/postgresql/client.js";
import { PrismaConnector } from "../../src/connectors/prisma.js";
import { PrismaAdapterConnector } from "../../src/connectors/prisma-adapter.js";
import { ConfigError, ConnectorError, SessionManager, SessionStore, StorageTimeout } from "../../src/index.js";
import { session } from "../../src/integrations/express.js";
import {
  openTestDatabase,
  type Provider,
  providers,
  type TestDatabase,
  type TestPrismaClient,
} from "../support/databases.js";
import { type SilentServer, startSilentServer } from "../support/silent-server.js";

const LIMIT = 300;

async function timed<T>(work: Promise<T>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  try {
    await work;
    return { error: undefined, ms: performance.now() - started };
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
}

describe("operationTimeout option", () => {
  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY, { days: -1 }])("refuses %p with ConfigError", (value) => {
    expect(() => new SessionManager({ connector: new PrismaConnectorStub(), operationTimeout: value })).toThrow(
      ConfigError,
    );
  });
});

/** Only for the option checks above: no call reaches it. */
class PrismaConnectorStub {
  getSession = async () => null;
  createSession = async () => true;
  updateSession = async () => true;
  touchSession = async () => true;
  destroySession = async () => {};
  listUserSessions = async () => [];
  destroyUserSessions = async () => 0;
  deleteExpiredSessions = async () => ({ deleted: 0, last: null });
  countExpiredSessions = async () => 0;
  currentTime = async () => new Date();
}

describe.each(["postgresql", "mysql"] as const)(
  "a %s server that accepts connections and never answers",
  (provider) => {
    let silent: SilentServer;
    let client: TestPrismaClient;

    beforeAll(async () => {
      silent = await startSilentServer();
      client =
        provider === "postgresql"
          ? new PostgresClient({
              adapter: new PrismaPg({ connectionString: `postgresql://postgres@127.0.0.1:${silent.port}/test` }),
            })
          : new MySqlClient({ adapter: new PrismaMariaDb(`mysql://root@127.0.0.1:${silent.port}/test`) });
    });
    afterAll(async () => {
      await silent.close();
      await client.$disconnect().catch(() => {});
    });

    it("a load ends with StorageTimeout (a ConnectorError, code STORAGE_TIMEOUT) at the limit", async () => {
      const sessions = new SessionManager({ connector: new PrismaConnector(client), operationTimeout: LIMIT });
      const { error, ms } = await timed(sessions.open(SessionStore.generateSessionId()).load());
      expect(error).toBeInstanceOf(StorageTimeout);
      expect(error).toBeInstanceOf(ConnectorError);
      expect(error).toMatchObject({ code: "STORAGE_TIMEOUT" });
      expect(ms).toBeGreaterThanOrEqual(LIMIT - 5);
      expect(silent.accepted).toBeGreaterThan(0);
    });

    it("the HTTP layer answers 503 instead of hanging", async () => {
      const sessions = session({
        connector: new PrismaConnector(client),
        operationTimeout: LIMIT,
        logger: { error: () => {} },
      });
      const app = express();
      app.use(sessions);
      app.get("/", async (req, res) => {
        await sessions.from(req).load();
        res.send("served");
      });
      const res = await request(app).get("/").set("Cookie", `session_id=${SessionStore.generateSessionId()}`);
      expect(res.status).toBe(503);
    });

    it("operationTimeout: 0 waits (the call is still pending after twice the limit)", async () => {
      const sessions = new SessionManager({ connector: new PrismaConnector(client), operationTimeout: 0 });
      const pending = sessions.open(SessionStore.generateSessionId()).load();
      pending.catch(() => {}); // it fails once the server is closed after the suite
      const winner = await Promise.race([
        pending.then(
          () => "answered",
          () => "failed",
        ),
        new Promise((resolve) => setTimeout(() => resolve("still waiting"), 2 * LIMIT)),
      ]);
      expect(winner).toBe("still waiting");
    });
  },
);

/** Holds the row's lock from another connection, as a long transaction or a stuck migration would. */
async function lockRow(db: TestDatabase, id: string): Promise<void> {
  await db.exec("BEGIN");
  await db.exec("SELECT id FROM sessions WHERE id = ? FOR UPDATE", [id]);
}

describe.each(providers.filter((provider): provider is Exclude<Provider, "sqlite"> => provider !== "sqlite"))(
  "a statement stalled behind a lock on %s",
  (provider) => {
    let db: TestDatabase;

    beforeAll(async () => {
      db = await openTestDatabase(provider);
    });
    afterAll(() => db.close());

    it.each(["PrismaConnector", "PrismaAdapterConnector"] as const)(
      "through %s, a save ends with StorageTimeout; the caller is told it failed",
      async (kind) => {
        const connector =
          kind === "PrismaConnector" ? new PrismaConnector(db.prisma) : new PrismaAdapterConnector(db.openAdapter());
        const sessions = new SessionManager({ connector, operationTimeout: LIMIT });
        const s = sessions.open(null);
        s.set("n", 1);
        await s.save();
        await lockRow(db, s.id ?? "");
        try {
          s.set("n", 2);
          const { error, ms } = await timed(s.save());
          expect(error).toBeInstanceOf(StorageTimeout);
          expect(ms).toBeGreaterThanOrEqual(LIMIT - 5);
        } finally {
          await db.exec("ROLLBACK");
        }
        // The store can go on: a fresh load works once the lock is gone.
        const again = sessions.open(s.sessionKey);
        await again.load();
        expect([1, 2]).toContain(again.get("n"));
      },
    );
  },
);
