// The connector conformance suites on PostgreSQL test databases the caller opens (through a
// pooler, on a partitioned layout, …): both Prisma connectors, the stored rows read back by SQL,
// and the inventory suite on both.
import { PrismaConnector } from "../../../src/connectors/prisma.js";
import { PrismaAdapterConnector } from "../../../src/connectors/prisma-adapter.js";
import {
  type ConformanceTarget,
  describeConnectorConformance,
  describeInventoryConformance,
} from "../../../src/entries/testing.js";
import type { PgTestDatabase } from "./pg-database.js";

function inspected(db: PgTestDatabase, connector: ConformanceTarget["connector"]): ConformanceTarget {
  return {
    connector,
    inspect: {
      readRow: async (id) => (await db.sql("SELECT * FROM sessions WHERE id = ?", [id]))[0] ?? null,
      countRows: async () => Number((await db.sql("SELECT COUNT(*) AS n FROM sessions"))[0]?.n),
    },
    close: () => db.close(),
  };
}

/** Runs every conformance suite on a fresh database from `open` per suite; `where` ends each suite's name. */
export function describePgConformance(where: string, open: () => Promise<PgTestDatabase>): void {
  describeConnectorConformance(`PrismaConnector ${where}`, async () => {
    const db = await open();
    return inspected(db, new PrismaConnector(db.prisma));
  });
  describeConnectorConformance(`PrismaAdapterConnector ${where}`, async () => {
    const db = await open();
    return inspected(db, new PrismaAdapterConnector(db.openAdapter()));
  });
  describeInventoryConformance(`PrismaConnector ${where}`, async () => {
    const db = await open();
    return { connector: new PrismaConnector(db.prisma), close: () => db.close() };
  });
  describeInventoryConformance(`PrismaAdapterConnector ${where}`, async () => {
    const db = await open();
    return { connector: new PrismaAdapterConnector(db.openAdapter()), close: () => db.close() };
  });
}
