import { ConfigError } from "../errors.js";
import { checkProvider, isSqlProvider, type SqlProvider } from "../sql/provider.js";
import type { SqliteTimestampFormat } from "../sql/values.js";
import { sessionModelTable } from "../storage/prisma-model.js";
import { prismaRunner, type RawSqlClient } from "../storage/prisma-raw.js";
import { SqlConnector } from "./sql-connector.js";

/** Options of {@link PrismaConnector}. */
export interface PrismaConnectorOptions<Model extends string> {
  /** The session model's delegate name on the client (`prisma.session`). @default "session" */
  model?: Model;
  /**
   * The model's table, optionally `schema.table`; an unqualified name is in the `schema` option of
   * the client's `PrismaPg` adapter when it has one, else in the connection's default schema.
   * @default the model's `@@map` (and `@@schema`), read from the generated client; else `"sessions"`
   */
  table?: string;
  /**
   * The `provider` of the client's datasource (MariaDB is `"mysql"`, as in Prisma).
   * @default the client's own (read from the generated client)
   */
  provider?: SqlProvider;
  /** SQLite only: the `timestampFormat` of your `PrismaBetterSqlite3` adapter. @default "iso8601" */
  sqliteTimestampFormat?: SqliteTimestampFormat;
}

/** The client's provider: the option, else what the generated client records (`_activeProvider`). */
function providerOf(client: object, given: SqlProvider | undefined): SqlProvider {
  if (given !== undefined) return checkProvider(given);
  const provider: unknown = Reflect.get(client, "_activeProvider");
  if (isSqlProvider(provider)) return provider;
  throw new ConfigError(
    'Cannot tell the Prisma client\'s provider: pass new PrismaConnector(prisma, { provider: "postgresql" })',
  );
}

/**
 * The client sessions use: a client extended with @prisma/extension-read-replicas sends reads to a
 * replica, which may not have seen a log-out, a rotation or a change a moment ago, so sessions
 * always go to the primary (`$primary()`).
 */
function primaryOf(client: RawSqlClient): RawSqlClient {
  const primary: unknown = Reflect.get(client, "$primary");
  const base: unknown = typeof primary === "function" ? Reflect.apply(primary, client, []) : client;
  if (!isRawSqlClient(base)) throw new ConfigError("The Prisma client has no $queryRawUnsafe/$executeRawUnsafe");
  return base;
}

function isRawSqlClient(value: unknown): value is RawSqlClient {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof Reflect.get(value, "$queryRawUnsafe") === "function" &&
    typeof Reflect.get(value, "$executeRawUnsafe") === "function"
  );
}

/**
 * Stores sessions through the application's own Prisma client, in the table of its `Session`
 * model: one raw SQL statement per operation through the client's `$queryRawUnsafe` and
 * `$executeRawUnsafe` (the model API costs several times the CPU, and its refused inserts close
 * pooled connections), with the loads of one event-loop turn read by one query. Any client works,
 * whatever its output path, extensions or driver adapter.
 *
 * @example
 * const connector = new PrismaConnector(prisma); // or new PrismaConnector(prisma, { model: "webSession" })
 */
export class PrismaConnector<Model extends string = "session"> extends SqlConnector {
  constructor(client: { [K in NoInfer<Model>]: object } & RawSqlClient, options: PrismaConnectorOptions<Model> = {}) {
    const model = options.model ?? "session";
    const delegate: unknown = Reflect.get(client, model);
    if (typeof delegate !== "object" || delegate === null) {
      throw new ConfigError(`The Prisma client has no model delegate "${model}"`);
    }
    const provider = providerOf(client, options.provider);
    super({
      provider,
      table: sessionModelTable(client, model, options.table),
      sqliteTimestampFormat: options.sqliteTimestampFormat ?? "iso8601",
      runner: prismaRunner(primaryOf(client)),
    });
  }
}
