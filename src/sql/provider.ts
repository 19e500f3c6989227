// The database families prisma-sessions speaks, and what every statement is.
import { ConfigError } from "../errors.js";

/** The database families prisma-sessions ships migrations for (Prisma's `provider` names; MariaDB is `"mysql"`). */
export type SqlProvider = "sqlite" | "postgresql" | "mysql";

export const SQL_PROVIDERS: readonly SqlProvider[] = ["sqlite", "postgresql", "mysql"];

/** Whether `value` names a provider. */
export function isSqlProvider(value: unknown): value is SqlProvider {
  return SQL_PROVIDERS.some((provider) => provider === value);
}

/** `value` as a provider; `ConfigError` for anything else. */
export function checkProvider(value: unknown): SqlProvider {
  if (!isSqlProvider(value)) throw new ConfigError(`Unknown provider "${String(value)}"`);
  return value;
}

/** A statement with `?` placeholders (see {@link placeholders}) and its values. */
export interface SqlStatement {
  sql: string;
  args: (string | number | null)[];
}

/** `?` → `$1, $2, …` for PostgreSQL. Our statements never hold a literal `?`. */
export function placeholders(provider: SqlProvider, sql: string): string {
  if (provider !== "postgresql") return sql;
  let index = 0;
  return sql.replace(/\?/g, () => `$${++index}`);
}

/** The `provider` a Prisma driver adapter reports (`"postgres"`, …) as prisma-sessions names it. */
const ADAPTER_PROVIDERS: Record<string, SqlProvider> = { postgres: "postgresql", mysql: "mysql", sqlite: "sqlite" };

/** The provider of a driver adapter; `ConfigError` for one prisma-sessions does not speak. */
export function providerOfAdapter(name: string): SqlProvider {
  const provider = ADAPTER_PROVIDERS[name];
  if (provider === undefined) throw new ConfigError(`Unsupported driver adapter provider "${name}"`);
  return provider;
}
