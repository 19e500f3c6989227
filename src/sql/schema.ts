// What `ensureSessionTable` asks about the schema: whether an object exists, and a table's columns.
import { placeholders, type SqlProvider, type SqlStatement } from "./provider.js";

/** The kind of object a migration statement creates. */
export type SchemaObject = "table" | "index";

/**
 * One row (`found`) when the table or index `name` exists where a CREATE would put it: the first
 * schema of the search_path (PostgreSQL), the connection's database (MySQL), the file (SQLite).
 */
export function objectExistsStatement(provider: SqlProvider, kind: SchemaObject, name: string): SqlStatement {
  switch (provider) {
    case "sqlite":
      return { sql: "SELECT 1 AS found FROM sqlite_master WHERE type = ? AND name = ?", args: [kind, name] };
    case "postgresql":
      // Tables and indexes share pg_class.
      return {
        sql: placeholders(
          provider,
          "SELECT 1 AS found FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace" +
            " WHERE n.nspname = current_schema() AND c.relname = ?",
        ),
        args: [name],
      };
    case "mysql": {
      const [from, column] = kind === "table" ? ["TABLES", "TABLE_NAME"] : ["STATISTICS", "INDEX_NAME"];
      return {
        sql: `SELECT 1 AS found FROM information_schema.${from} WHERE TABLE_SCHEMA = DATABASE() AND ${column} = ?`,
        args: [name],
      };
    }
  }
}

/** The columns of table `name` where a CREATE would put it, one row each with `name`. */
export function tableColumnsStatement(provider: SqlProvider, name: string): SqlStatement {
  switch (provider) {
    case "sqlite":
      return { sql: "SELECT name FROM pragma_table_info(?)", args: [name] };
    case "postgresql":
      return {
        sql: placeholders(
          provider,
          "SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?",
        ),
        args: [name],
      };
    case "mysql":
      return {
        sql: "SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
        args: [name],
      };
  }
}
