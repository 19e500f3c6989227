// The serverless-style driver adapter @prisma/adapter-libsql (Turso's driver) in its embedded file
// mode, under the conformance suites through both Prisma connectors. Stored state is read through
// libsql's own client, not through the connector under test.
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { PrismaLibSql } from "@prisma/adapter-libsql";
import { PrismaClient } from "../../prisma/generated/sqlite/client.js";
import type { SessionConnector } from "../../src/connector.js";
import { PrismaConnector } from "../../src/connectors/prisma.js";
import { PrismaAdapterConnector } from "../../src/connectors/prisma-adapter.js";
import { describeConnectorConformance, describeInventoryConformance } from "../../src/entries/testing.js";
import { ensureSessionTable } from "../../src/setup/ensure-session-table.js";

async function openLibsql(make: (prisma: PrismaClient, adapter: PrismaLibSql) => SessionConnector) {
  const file = join(tmpdir(), `prisma-sessions-libsql-${randomBytes(6).toString("hex")}.db`);
  const adapter = new PrismaLibSql({ url: `file:${file}` });
  const prisma = new PrismaClient({ adapter });
  await ensureSessionTable(prisma, { provider: "sqlite" });
  const raw = createClient({ url: `file:${file}` });
  return {
    connector: make(prisma, new PrismaLibSql({ url: `file:${file}` })),
    raw,
    close: async () => {
      raw.close();
      await prisma.$disconnect();
      await Promise.all(["", "-journal", "-wal", "-shm"].map((suffix) => rm(file + suffix, { force: true })));
    },
  };
}

const kinds: [string, (prisma: PrismaClient, adapter: PrismaLibSql) => SessionConnector][] = [
  ["PrismaConnector", (prisma) => new PrismaConnector(prisma)],
  ["PrismaAdapterConnector", (_prisma, adapter) => new PrismaAdapterConnector(adapter)],
];

for (const [name, make] of kinds) {
  describeConnectorConformance(`${name} on @prisma/adapter-libsql (embedded file)`, async () => {
    const opened = await openLibsql(make);
    return {
      connector: opened.connector,
      inspect: {
        readRow: async (id) => {
          const { rows, columns } = await opened.raw.execute({
            sql: "SELECT * FROM sessions WHERE id = ?",
            args: [id],
          });
          const [row] = rows;
          return row === undefined ? null : Object.fromEntries(columns.map((column, index) => [column, row[index]]));
        },
        countRows: async () => Number((await opened.raw.execute("SELECT COUNT(*) AS n FROM sessions")).rows[0]?.[0]),
      },
      close: opened.close,
    };
  });
}

describeInventoryConformance("PrismaAdapterConnector on @prisma/adapter-libsql (embedded file)", async () => {
  const opened = await openLibsql((_prisma, adapter) => new PrismaAdapterConnector(adapter));
  return { connector: opened.connector as PrismaAdapterConnector, close: opened.close };
});
