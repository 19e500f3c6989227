// The conformance suites against PrismaAdapterConnector (hand-written SQL through the Prisma driver
// adapter) on every database of the harness. Stored state is read with raw SQL through the plain
// driver, never through the connector.
import { PrismaAdapterConnector } from "../../src/connectors/prisma-adapter.js";
import { describeConnectorConformance, describeInventoryConformance } from "../../src/entries/testing.js";
import { openTestDatabase, providers } from "../support/databases.js";

for (const provider of providers) {
  describeConnectorConformance(`PrismaAdapterConnector on ${provider}`, async () => {
    const db = await openTestDatabase(provider);
    return {
      connector: new PrismaAdapterConnector(db.openAdapter()),
      inspect: {
        readRow: async (id) => (await db.sql("SELECT * FROM sessions WHERE id = ?", [id]))[0] ?? null,
        countRows: async () => Number((await db.sql("SELECT COUNT(*) AS n FROM sessions"))[0]?.n),
      },
      close: () => db.close(),
    };
  });

  describeInventoryConformance(`PrismaAdapterConnector on ${provider}`, async () => {
    const db = await openTestDatabase(provider);
    return { connector: new PrismaAdapterConnector(db.openAdapter()), close: () => db.close() };
  });
}
