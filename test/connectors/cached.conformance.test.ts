// The connector conformance suite against CachedConnector (the session cache) in front of the
// driver-adapter connector, invalidated through PostgreSQL LISTEN/NOTIFY with the trigger, and
// through Redis on MariaDB and SQLite: a cache must not change what the contract promises.
import pg from "pg";
import { createClient } from "redis";
import { CachedConnector } from "../../src/cache/cached-connector.js";
import { pgInvalidation } from "../../src/cache/pg-channel.js";
import { redisInvalidation } from "../../src/cache/redis-channel.js";
import { PrismaAdapterConnector } from "../../src/connectors/prisma-adapter.js";
import { describeConnectorConformance } from "../../src/entries/testing.js";
import { ensureInvalidationTrigger } from "../../src/setup/ensure-invalidation-trigger.js";
import { openTestDatabase, providers } from "../support/databases.js";

const PG_URL = process.env.PRISMA_SESSIONS_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test";

for (const provider of providers) {
  describeConnectorConformance(`CachedConnector on PrismaAdapterConnector on ${provider}`, async () => {
    const db = await openTestDatabase(provider);
    const closers: (() => Promise<unknown>)[] = [];
    let channel: ReturnType<typeof pgInvalidation>;
    if (provider === "postgresql") {
      await ensureInvalidationTrigger(db.prisma, { provider });
      const [row] = await db.sql("SELECT current_schema() AS name");
      const pool = new pg.Pool({ connectionString: PG_URL, options: `-c search_path=${String(row?.name)}` });
      closers.push(() => pool.end());
      channel = pgInvalidation({ pool });
    } else {
      const publisher = createClient({ url: "redis://127.0.0.1:6379" });
      const subscriber = publisher.duplicate();
      await Promise.all([publisher.connect(), subscriber.connect()]);
      closers.push(
        () => subscriber.quit(),
        () => publisher.quit(),
      );
      channel = redisInvalidation({ publisher, subscriber, channel: `conformance_${Date.now()}_${provider}` });
    }
    const connector = new CachedConnector(new PrismaAdapterConnector(db.openAdapter()), { channel });
    await connector.start();
    return {
      connector,
      inspect: {
        readRow: async (id) => (await db.sql("SELECT * FROM sessions WHERE id = ?", [id]))[0] ?? null,
        countRows: async () => Number((await db.sql("SELECT COUNT(*) AS n FROM sessions"))[0]?.n),
      },
      close: async () => {
        await connector.close();
        for (const close of closers) await close();
        await db.close();
      },
    };
  });
}
