import { ConfigError } from "../errors.js";
import type { RawSqlClient, SqlProvider } from "../setup/ensure-session-table.js";
import { parseTableName, type TableName } from "../sql/dialect.js";
import type { CleanupTarget } from "./cleanup.js";
import { SqlSessionTable } from "./sql-session-table.js";

/** Options of {@link PrismaCleanupTarget}. */
export interface PrismaCleanupTargetOptions {
  /** The `provider` of the client's datasource; MariaDB uses `"mysql"`, like Prisma. */
  provider: SqlProvider;
  /**
   * The sessions table (the model's `@@map`), as `table` or `schema.table`; it must have the
   * reference schema's `id` and `expires_at` columns. Raw SQL runs in the connection's default
   * schema (PostgreSQL `search_path`, MySQL database), not in the `schema` option of `PrismaPg`:
   * name the schema here when the table lives elsewhere. @default "sessions"
   */
  table?: string;
}

const PROVIDERS: readonly string[] = ["sqlite", "postgresql", "mysql"];

/** Checks the options every Prisma cleanup helper takes; returns the parsed table. */
export function checkPrismaCleanupOptions(
  client: object,
  method: string,
  options: PrismaCleanupTargetOptions,
): TableName {
  if (typeof Reflect.get(client, method) !== "function") throw new ConfigError(`The Prisma client has no ${method}`);
  if (!PROVIDERS.includes(options.provider)) throw new ConfigError(`Unknown provider "${String(options.provider)}"`);
  return parseTableName(options.table ?? "sessions");
}

/**
 * The fast cleanup target for your Prisma client: each batch is one raw SQL statement (the one
 * `npx prisma-sessions cleanup` runs), instead of the connector's read-then-delete through the
 * query engine. On PostgreSQL a 1,000,000-row backlog goes about five times faster, with flat
 * memory. Never reads session data.
 *
 * @example
 * await cleanupExpiredSessions(new PrismaCleanupTarget(prisma, { provider: "postgresql" }), {
 *   maxRuntime: { minutes: 5 },
 * });
 */
export class PrismaCleanupTarget implements CleanupTarget {
  readonly #table: SqlSessionTable;

  constructor(client: RawSqlClient, options: PrismaCleanupTargetOptions) {
    const table = checkPrismaCleanupOptions(client, "$queryRawUnsafe", options);
    this.#table = new SqlSessionTable(options.provider, table, {
      query: async ({ sql, args }) => {
        const rows: unknown = await client.$queryRawUnsafe(sql, ...args);
        if (!Array.isArray(rows)) return [];
        const records: unknown[] = rows;
        return records.filter((row): row is Record<string, unknown> => typeof row === "object" && row !== null);
      },
      execute: ({ sql, args }) => Promise.resolve(client.$executeRawUnsafe(sql, ...args)),
    });
  }

  deleteExpiredSessions(now: Date, limit: number): Promise<number> {
    return this.#table.deleteExpiredSessions(now, limit);
  }

  countExpiredSessions(now: Date): Promise<number> {
    return this.#table.countExpiredSessions(now);
  }
}
