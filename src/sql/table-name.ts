// Table names in SQL: parsed from user input once, then quoted per provider, so a name can never
// escape its quotes.
import { ConfigError } from "../errors.js";
import type { SqlProvider } from "./provider.js";

/** A table, optionally qualified by its schema (PostgreSQL) or database (MySQL). */
export interface TableName {
  schema: string | null;
  table: string;
}

/** Letters, digits, `_` and `$`, not starting with a digit; 63 characters at most (PostgreSQL's limit). */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

/**
 * Parses `table` or `schema.table`. Only plain identifiers are accepted, so quoting can never be
 * escaped: the name reaches SQL only through {@link quoteTable}.
 */
export function parseTableName(text: string, defaultSchema: string | null = null): TableName {
  const parts = text.split(".");
  if (parts.length > 2 || !parts.every((part) => IDENTIFIER.test(part))) {
    throw new ConfigError(
      `Invalid table name "${text}": use letters, digits, "_" or "$" (not first), optionally "schema.table"`,
    );
  }
  const [first = "", second] = parts;
  if (defaultSchema !== null && !IDENTIFIER.test(defaultSchema)) {
    throw new ConfigError(`Invalid schema name "${defaultSchema}"`);
  }
  return second === undefined ? { schema: defaultSchema, table: first } : { schema: first, table: second };
}

function quoteIdentifier(provider: SqlProvider, name: string): string {
  return provider === "mysql" ? `\`${name}\`` : `"${name}"`;
}

/** The table as SQL: `"schema"."table"` (PostgreSQL, SQLite) or `` `db`.`table` `` (MySQL). */
export function quoteTable(provider: SqlProvider, { schema, table }: TableName): string {
  const quoted = quoteIdentifier(provider, table);
  return schema === null ? quoted : `${quoteIdentifier(provider, schema)}.${quoted}`;
}

/** The table as people read it: `schema.table` or `table`. */
export function displayTable({ schema, table }: TableName): string {
  return schema === null ? table : `${schema}.${table}`;
}
