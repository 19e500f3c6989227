import type { CleanupTarget, ExpiredBatch } from "../connector.js";
import { ConfigError } from "../errors.js";

import { checkProvider, type SqlProvider } from "../sql/provider.js";
import type { TableName } from "../sql/table-name.js";
import { type PgPool, PgServerBatches, pgPoolSessions } from "./pg-server-batches.js";
import { clientTable } from "./prisma-model.js";
import { prismaRunner, type RawSqlClient } from "./prisma-raw.js";
import { SqlSessionTable } from "./sql-session-table.js";

/** Options of {@link PrismaCleanupTarget}. */
export interface PrismaCleanupTargetOptions {
  /** The `provider` of the client's datasource; MariaDB uses `"mysql"`, like Prisma. */
  provider: SqlProvider;
  /**
   * The sessions table (the model's `@@map`), as `table` or `schema.table`; it must have the
   * reference schema's `id` and `expires_at` columns. An unqualified name is in the `schema`
   * option of the client's `PrismaPg` adapter when it has one, else in the connection's default
   * schema (PostgreSQL `search_path`, MySQL database). @default "sessions"
   */
  table?: string;
  /**
   * PostgreSQL: the `pg` Pool your `PrismaPg` adapter was built on (`new PrismaPg(pool)`). With it
   * the database runs the batches itself, as `npx prisma-sessions cleanup` does (a DO block of up to
   * 200 batches, each its own transaction): a 1,000,000-row backlog goes about twice as fast.
   */
  pool?: PgPool;
}

/** Checks the options every Prisma cleanup helper takes; returns the parsed table. */
export function checkPrismaCleanupOptions(
  client: object,
  method: string,
  options: PrismaCleanupTargetOptions,
): TableName {
  if (typeof Reflect.get(client, method) !== "function") throw new ConfigError(`The Prisma client has no ${method}`);
  checkProvider(options.provider);
  return clientTable(client, options.table);
}

/**
 * The fast cleanup target for your Prisma client: each batch is one raw SQL statement, instead
 * of the connector's two queries through the query engine; with `pool` (PostgreSQL) the database
 * runs the batches itself, as `npx prisma-sessions cleanup` does. Flat memory; never reads session
 * data. On a 1,000,000-row PostgreSQL backlog: 1.3 to 1.5 times the connector's speed per
 * statement, 2 to 2.5 times with `pool` (2/3 to 9/10 of a single unbounded DELETE).
 *
 * @example
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
 * await cleanupExpiredSessions(new PrismaCleanupTarget(prisma, { provider: "postgresql", pool }), {
 *   maxRuntime: { minutes: 5 },
 * });
 */
export class PrismaCleanupTarget implements CleanupTarget {
  readonly #table: SqlSessionTable;
  /** Present with a `pool` on PostgreSQL: cleanup then lets the server run the batches. */
  readonly deleteExpiredBatches?: CleanupTarget["deleteExpiredBatches"];

  constructor(client: RawSqlClient, options: PrismaCleanupTargetOptions) {
    const table = checkPrismaCleanupOptions(client, "$queryRawUnsafe", options);
    const runner = prismaRunner(client);
    const { pool } = options;
    if (pool !== undefined && options.provider !== "postgresql") {
      throw new ConfigError("The pool option is for PostgreSQL only");
    }
    if (pool !== undefined && typeof Reflect.get(pool, "connect") !== "function") {
      throw new ConfigError("The pool has no connect()");
    }
    const server = pool === undefined ? undefined : new PgServerBatches(table, runner, pgPoolSessions(pool));
    this.#table = new SqlSessionTable(options.provider, table, runner, server);
    this.deleteExpiredBatches = this.#table.deleteExpiredBatches;
  }

  deleteExpiredSessions(now: Date, limit: number, from?: Date | null): Promise<ExpiredBatch> {
    return this.#table.deleteExpiredSessions(now, limit, from);
  }

  countExpiredSessions(now: Date): Promise<number> {
    return this.#table.countExpiredSessions(now);
  }

  currentTime(): Promise<Date> {
    return this.#table.currentTime();
  }
}
