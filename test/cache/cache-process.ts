// A second application process for the session-cache tests: an Express app whose sessions go
// through a CachedConnector on the test's database namespace. Run with tsx; prints its port.
//   CACHE_PROVIDER=postgresql|mysql  CACHE_NAMESPACE=<schema or database>  CACHE_CHANNEL=pg|redis
//   CACHE_STALENESS_MS=<ms>
import { PrismaMariaDb } from "@prisma/adapter-mariadb";
import { PrismaPg } from "@prisma/adapter-pg";
import express from "express";
import pg from "pg";
import { createClient } from "redis";
import { CachedConnector } from "../../src/cache/cached-connector.js";
import { pgInvalidation } from "../../src/cache/pg-channel.js";
import { redisInvalidation } from "../../src/cache/redis-channel.js";
import { PrismaAdapterConnector } from "../../src/connectors/prisma-adapter.js";
import { session } from "../../src/integrations/express.js";
import { countCalls } from "../support/backends.js";

const provider = process.env.CACHE_PROVIDER ?? "postgresql";
const namespace = process.env.CACHE_NAMESPACE ?? "";
const stalenessMs = Number(process.env.CACHE_STALENESS_MS ?? 1000);
const PG_URL = process.env.PRISMA_SESSIONS_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
const MYSQL_URL = new URL(process.env.PRISMA_SESSIONS_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test");

const pool = new pg.Pool({ connectionString: PG_URL, options: `-c search_path=${namespace}` });
const adapter =
  provider === "postgresql"
    ? new PrismaPg(pool, { schema: namespace })
    : new PrismaMariaDb(Object.assign(new URL(MYSQL_URL), { pathname: `/${namespace}` }).toString());
const counted = countCalls(new PrismaAdapterConnector(adapter));

/** The channel's own connections go through the test's proxy (CACHE_CHANNEL_PORT), so it can cut them alone. */
const channelPort = process.env.CACHE_CHANNEL_PORT ?? "";

async function channel() {
  if (process.env.CACHE_CHANNEL !== "redis") {
    const url = new URL(PG_URL);
    url.port = channelPort;
    const listener = new pg.Pool({ connectionString: url.toString(), options: `-c search_path=${namespace}` });
    listener.on("error", () => {}); // a cut connection: the channel reconnects by itself
    return pgInvalidation({ pool: listener, retryMs: 100 });
  }
  const publisher = createClient({ url: `redis://127.0.0.1:${channelPort}` });
  publisher.on("error", () => {});
  const subscriber = publisher.duplicate();
  subscriber.on("error", () => {});
  await Promise.all([publisher.connect(), subscriber.connect()]);
  return redisInvalidation({ publisher, subscriber, channel: `prisma_sessions_${namespace}` });
}

const connector = new CachedConnector(counted.connector, { channel: await channel(), stalenessMs });
await connector.start();
const sessions = session({ connector, cookie: { secure: false }, logger: { error: () => {} } });
const app = express();
app.use(sessions);
app.get("/whoami", async (req, res) => {
  const s = sessions.from(req);
  await s.load();
  res.json({
    data: s.sessionKey === null ? null : s.toJSON(),
    databaseReads: counted.calls.filter((call) => call === "getSession").length,
    serving: connector.serving,
  });
});
const server = app.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === "object" && address !== null ? address.port : 0}\n`);
});
process.on("SIGTERM", () => {
  server.close();
  void connector.close().finally(() => process.exit(0));
});
