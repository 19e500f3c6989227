// Fault injection mid-traffic: the database behind a TCP proxy the test controls is stopped,
// restarted, frozen and thawed while browsers keep sending requests. Every answer is 200 or a 503
// within the operation timeout, the app recovers without a restart, and no row is corrupted.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { PrismaMariaDb } from "@prisma/adapter-mariadb";
import { PrismaPg } from "@prisma/adapter-pg";
import express from "express";
import request from "supertest";
import { PrismaClient as MySqlClient } from "../../prisma/generated/mysql/client.js";
import { PrismaClient as PostgresClient } from "../../prisma/generated/postgresql/client.js";
import { PrismaConnector } from "../../src/connectors/prisma.js";
import { PrismaAdapterConnector } from "../../src/connectors/prisma-adapter.js";
import { jsonSerializer, type SessionConnector } from "../../src/index.js";
import { session } from "../../src/integrations/express.js";
import { openTestDatabase, providers, type TestDatabase, type TestPrismaClient } from "../support/databases.js";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";
import { cookieHeader } from "./helpers.js";

const TIMEOUT_MS = 400;
const BROWSERS = 4;

type Server = Exclude<(typeof providers)[number], "sqlite">;
const servers = providers.filter((provider): provider is Server => provider !== "sqlite");

const PG_URL = new URL(process.env.PRISMA_SESSIONS_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test");
const MYSQL_URL = new URL(process.env.PRISMA_SESSIONS_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test");

/** A Prisma client (and its driver adapter) on the test's namespace, through the proxy. */
async function throughProxy(
  db: TestDatabase,
  proxy: TcpProxy,
): Promise<{ client: TestPrismaClient; adapter: PrismaPg | PrismaMariaDb }> {
  if (db.provider === "postgresql") {
    const [row] = await db.sql("SELECT current_schema() AS name");
    const schema = String(row?.name);
    const url = new URL(PG_URL);
    url.port = String(proxy.port);
    const config = { connectionString: url.toString(), options: `-c search_path=${schema}` };
    const adapter = new PrismaPg(config, { schema });
    return { client: new PostgresClient({ adapter: new PrismaPg(config, { schema }) }), adapter };
  }
  const [row] = await db.sql("SELECT DATABASE() AS name");
  const url = new URL(MYSQL_URL);
  url.port = String(proxy.port);
  url.pathname = `/${String(row?.name)}`;
  return {
    client: new MySqlClient({ adapter: new PrismaMariaDb(url.toString()) }),
    adapter: new PrismaMariaDb(url.toString()),
  };
}

function buildApp(connector: SessionConnector) {
  const sessions = session<{ n: number }>({
    connector,
    operationTimeout: TIMEOUT_MS,
    cookie: { secure: false },
    logger: { error: () => {}, warn: () => {} },
  });
  const app = express();
  app.use(sessions);
  app.post("/inc", async (req, res) => {
    const s = sessions.from(req);
    await s.load();
    s.set("n", (s.get("n") ?? 0) + 1);
    res.json({ n: s.get("n") });
  });
  return app;
}

interface Tally {
  ok: number;
  unavailable: number;
  /** The counts 200 answers reported, in order. */
  seen: number[];
  other: number[];
  slowest503: number;
}

describe.each(servers)("the database behind a proxy stopped, restarted, frozen and thawed on %s", (provider) => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let opened: Awaited<ReturnType<typeof throughProxy>>;

  beforeAll(async () => {
    db = await openTestDatabase(provider);
    proxy = await startTcpProxy({
      host: "127.0.0.1",
      port: Number((provider === "postgresql" ? PG_URL : MYSQL_URL).port),
    });
    opened = await throughProxy(db, proxy);
  });
  afterAll(async () => {
    await proxy.close();
    await opened.client.$disconnect().catch(() => {});
    await db.close();
  });

  it.each(["PrismaConnector", "PrismaAdapterConnector"] as const)(
    "through %s: 200 or 503 within the timeout, recovery without a restart, no corrupted row",
    async (kind) => {
      const connector =
        kind === "PrismaConnector" ? new PrismaConnector(opened.client) : new PrismaAdapterConnector(opened.adapter);
      const app = buildApp(connector);
      const cookies: string[] = [];
      for (let i = 0; i < BROWSERS; i++)
        cookies.push(cookieHeader(await request(app).post("/inc").expect(200), "session_id"));
      const tallies: Tally[] = cookies.map(() => ({ ok: 1, unavailable: 0, seen: [1], other: [], slowest503: 0 }));

      /** Each browser sends requests one after another for `ms`. */
      const traffic = (ms: number) =>
        Promise.all(
          cookies.map(async (cookie, i) => {
            const tally = tallies[i] as Tally;
            const until = Date.now() + ms;
            while (Date.now() < until) {
              const started = performance.now();
              const res = await request(app).post("/inc").set("Cookie", cookie);
              const took = performance.now() - started;
              if (res.status === 200) {
                tally.ok++;
                tally.seen.push(Number(res.body.n));
              } else if (res.status === 503) {
                tally.unavailable++;
                tally.slowest503 = Math.max(tally.slowest503, took);
              } else tally.other.push(res.status);
            }
          }),
        );
      /** Traffic until every browser had a 200 again (bounded). */
      const recovered = async () => {
        const before = tallies.map((tally) => tally.ok);
        for (let round = 0; round < 40 && tallies.some((tally, i) => tally.ok === before[i]); round++)
          await traffic(100);
        expect(tallies.every((tally, i) => tally.ok > (before[i] ?? 0))).toBe(true);
      };

      await traffic(300);
      await proxy.stop();
      await traffic(400);
      await proxy.start();
      await recovered();
      proxy.freeze();
      await traffic(3 * TIMEOUT_MS);
      proxy.thaw();
      await recovered();

      for (const tally of tallies) {
        expect(tally.other).toEqual([]);
        expect(tally.unavailable).toBeGreaterThan(0);
        // A 503 is the timeout's, not a hang: well under the next phase change.
        expect(tally.slowest503).toBeLessThan(TIMEOUT_MS * 10);
        // Confirmed counts only go up.
        for (let i = 1; i < tally.seen.length; i++) expect(tally.seen[i]).toBeGreaterThan(tally.seen[i - 1] ?? 0);
      }
      // Let writes that timed out while frozen land, then check every stored row.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const rows = await db.sql("SELECT id, data, version FROM sessions");
      for (const row of rows) {
        const data = jsonSerializer.parse(String(row.data));
        expect(Number.isInteger(data.n)).toBe(true);
        expect(Number(row.version)).toBeGreaterThanOrEqual(1);
      }
      for (const [i, cookie] of cookies.entries()) {
        const res = await request(app).post("/inc").set("Cookie", cookie).expect(200);
        const tally = tallies[i] as Tally;
        // Every confirmed increment is in the count; a write that timed out may have landed too.
        expect(res.body.n).toBeGreaterThan(tally.seen.at(-1) ?? 0);
        expect(res.body.n).toBeLessThanOrEqual(tally.ok + tally.unavailable + 1);
      }
    },
  );
});
