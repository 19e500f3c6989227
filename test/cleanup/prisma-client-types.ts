// Compile-time checks, run by `tsc --noEmit`: the real generated Prisma 7 clients of every provider
// are accepted by the cleanup's Prisma helpers without casts.
import type { PrismaClient as MySqlClient } from "../../prisma/generated/mysql/client.js";
import type { PrismaClient as PostgresClient } from "../../prisma/generated/postgresql/client.js";
import type { PrismaClient as SqliteClient } from "../../prisma/generated/sqlite/client.js";
import { PrismaCleanupLock, PrismaCleanupTarget } from "../../src/entries/cleanup.js";

export function acceptsGeneratedClients(pg: PostgresClient, mysql: MySqlClient, sqlite: SqliteClient): void {
  new PrismaCleanupTarget(pg, { provider: "postgresql" });
  new PrismaCleanupTarget(mysql, { provider: "mysql", table: "app.sessions" });
  new PrismaCleanupTarget(sqlite, { provider: "sqlite" });
  new PrismaCleanupLock(pg, { provider: "postgresql" });
  new PrismaCleanupLock(mysql, { provider: "mysql", maxWait: 5000 });
  new PrismaCleanupLock(sqlite, { provider: "sqlite" });
  // @ts-expect-error: a client without interactive transactions cannot hold the lock
  new PrismaCleanupLock({ $queryRawUnsafe: async () => [] }, { provider: "postgresql" });
}
