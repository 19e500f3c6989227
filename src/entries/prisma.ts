export {
  PrismaConnector,
  type PrismaConnectorOptions,
} from "../connectors/prisma.js";
export {
  type DriverAdapterFactory,
  PrismaAdapterConnector,
  type PrismaAdapterConnectorOptions,
} from "../connectors/prisma-adapter.js";
export {
  type EnsureSessionTableOptions,
  type EnsureSessionTableResult,
  ensureSessionTable,
} from "../setup/ensure-session-table.js";
export type { SqlProvider } from "../sql/provider.js";
export type { RawSqlClient } from "../storage/prisma-raw.js";
