import { memoizeUntilFailure } from "../memo.js";
import { providerOfAdapter } from "../sql/provider.js";
import type { SqlRunner } from "../sql/runner.js";
import { parseTableName } from "../sql/table-name.js";
import type { SqliteTimestampFormat } from "../sql/values.js";
import { type AdapterQueryable, adapterRunner } from "../storage/adapter-runner.js";
import { adapterSchema } from "../storage/prisma-model.js";
import { SqlConnector } from "./sql-connector.js";

/** A Prisma driver adapter factory (`new PrismaPg(pool)`, `new PrismaMariaDb(…)`, …), structurally. */
export interface DriverAdapterFactory {
  readonly provider: "postgres" | "mysql" | "sqlite";
  connect(): Promise<AdapterQueryable>;
}

/** Options of {@link PrismaAdapterConnector}. */
export interface PrismaAdapterConnectorOptions {
  /**
   * The sessions table, optionally `schema.table`; an unqualified name is in the `schema` option
   * of your `PrismaPg` adapter when it has one. @default "sessions"
   */
  table?: string;
  /** How the SQLite adapter stores date-times (its `timestampFormat` option). @default "iso8601" */
  sqliteTimestampFormat?: SqliteTimestampFormat;
}

/** Connects on first use; a failed connect is not kept: the next call tries again (the database may be back). */
function lazyRunner(factory: DriverAdapterFactory): SqlRunner {
  const connected = memoizeUntilFailure(async () => adapterRunner(await factory.connect()));
  return {
    query: async (statement) => (await connected()).query(statement),
    execute: async (statement) => (await connected()).execute(statement),
  };
}

/**
 * Stores sessions through a Prisma driver adapter, with one hand-written statement per operation:
 * the same table and the same adapter as your Prisma client, without the client at all. Pass the
 * adapter factory your client uses, built on your own pool so both share it. Its statements are
 * {@link PrismaConnector}'s; only what runs them differs (the driver adapter instead of the
 * client's raw-SQL methods, a few microseconds less per call).
 *
 * @example
 * const pool = new pg.Pool({ connectionString });
 * const adapter = new PrismaPg(pool);
 * const prisma = new PrismaClient({ adapter });
 * const connector = new PrismaAdapterConnector(adapter);
 */
export class PrismaAdapterConnector extends SqlConnector {
  constructor(factory: DriverAdapterFactory, options: PrismaAdapterConnectorOptions = {}) {
    super({
      provider: providerOfAdapter(factory.provider),
      table: parseTableName(options.table ?? "sessions", adapterSchema(factory)),
      sqliteTimestampFormat: options.sqliteTimestampFormat ?? "iso8601",
      runner: lazyRunner(factory),
    });
  }
}
