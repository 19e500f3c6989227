export {
  PrismaConnector,
  type PrismaConnectorOptions,
  type PrismaSessionDelegate,
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
  type RawSqlClient,
  type SqlProvider,
} from "../setup/ensure-session-table.js";
