// Compile-time checks, run by `tsc --noEmit` in CI: the real generated Prisma 7 clients of every
// provider are accepted by PrismaConnector without casts, and a client without the model is not.
import type { PrismaClient as MySqlClient } from "../../prisma/generated/mysql/client.js";
import type { PrismaClient as PostgresClient } from "../../prisma/generated/postgresql/client.js";
import type { PrismaClient as SqliteClient } from "../../prisma/generated/sqlite/client.js";
import { PrismaConnector } from "../../src/connectors/prisma.js";

export function acceptsGeneratedClients(pg: PostgresClient, mysql: MySqlClient, sqlite: SqliteClient): void {
  new PrismaConnector(pg);
  new PrismaConnector(mysql);
  new PrismaConnector(sqlite, { model: "session" });
  // @ts-expect-error: a client without a `session` delegate is refused at compile time
  new PrismaConnector({ user: {} });
  // @ts-expect-error: the named model must exist on the client
  new PrismaConnector(pg, { model: "account" });
}
