import { ConfigError } from "../errors.js";
import { invalidationTriggerStatements } from "../sql/invalidation.js";
import { checkProvider, type SqlProvider } from "../sql/provider.js";
import { clientTable } from "../storage/prisma-model.js";
import type { RawSqlClient } from "../storage/prisma-raw.js";

/** Options of {@link ensureInvalidationTrigger}. */
export interface EnsureInvalidationTriggerOptions {
  provider: SqlProvider;
  /**
   * The sessions table, optionally `schema.table`; an unqualified name is in the `schema` option of
   * the client's `PrismaPg` adapter when it has one. @default "sessions"
   */
  table?: string;
  /** The LISTEN/NOTIFY channel. @default "prisma_sessions" */
  channel?: string;
}

/**
 * PostgreSQL: installs the trigger through which the database itself announces every change of a
 * live session row on a LISTEN/NOTIFY channel, for `pgInvalidation` (the session cache of every
 * process then sees writes of every process, the command line's and log-out-everywhere's
 * included). Idempotent. A migration of your own can hold the same SQL instead.
 *
 * @throws ConfigError on another provider: only PostgreSQL can announce changes (use
 *   `redisInvalidation`, whose writers announce their own).
 */
export async function ensureInvalidationTrigger(
  client: RawSqlClient,
  options: EnsureInvalidationTriggerOptions,
): Promise<void> {
  if (checkProvider(options.provider) !== "postgresql") {
    throw new ConfigError("Only PostgreSQL can announce session changes itself; use redisInvalidation elsewhere");
  }
  const table = clientTable(client, options.table);
  for (const statement of invalidationTriggerStatements(table, options.channel)) {
    await client.$executeRawUnsafe(statement);
  }
}
