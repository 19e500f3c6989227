// The conformance suite against PrismaConnector on every database of the harness. Stored state is
// read with raw SQL through the plain driver, never through Prisma.
import { PrismaConnector } from "../../src/connectors/prisma.js";
import {
  type ConformanceTarget,
  describeConnectorConformance,
  describeInventoryConformance,
} from "../../src/entries/testing.js";
import { openTestDatabase, type Provider, providers } from "../support/databases.js";

async function openTarget(provider: Provider): Promise<ConformanceTarget> {
  const db = await openTestDatabase(provider);
  return {
    connector: new PrismaConnector(db.prisma),
    inspect: {
      readRow: async (id) => (await db.sql("SELECT * FROM sessions WHERE id = ?", [id]))[0] ?? null,
      countRows: async () => {
        const [row] = await db.sql("SELECT COUNT(*) AS n FROM sessions");
        return Number(row?.n);
      },
    },
    close: () => db.close(),
  };
}

for (const provider of providers) {
  describeConnectorConformance(`PrismaConnector on ${provider}`, () => openTarget(provider));
}

for (const provider of providers) {
  describeInventoryConformance(`PrismaConnector on ${provider}`, async () => {
    const db = await openTestDatabase(provider);
    return { connector: new PrismaConnector(db.prisma), close: () => db.close() };
  });
}
