// The single-runner cleanup lock's statements.
import type { SqlProvider, SqlStatement } from "./provider.js";
import type { TableName } from "./table-name.js";

/** The statements of the single-runner lock on one pinned connection; `null` where none is needed. */
export interface LockStatements {
  /** Tries once without waiting; its single value is true/1 when taken. */
  acquire: SqlStatement;
  /** Run before the pinned transaction ends, or `null` when ending it releases the lock. */
  release: SqlStatement | null;
}

/**
 * The lock is keyed by the table it protects, so runners on one table exclude each other (the
 * command line and an in-process schedule included) and runners on different tables do not.
 * PostgreSQL: a transaction-scoped advisory lock (advisory locks are per database; the key hashes
 * `schema.table`, the schema defaulting to the connection's current one). MySQL/MariaDB: a named
 * `GET_LOCK` (per server, so the name hashes `database.table`), released explicitly because it
 * outlives transactions. SQLite: `null`: one writer at a time, and a database file has one host.
 */
export function lockStatements(provider: SqlProvider, { schema, table }: TableName): LockStatements | null {
  switch (provider) {
    case "postgresql":
      return {
        acquire: {
          sql: "SELECT pg_try_advisory_xact_lock(('x' || substr(md5('prisma-sessions cleanup ' || coalesce(?::text, current_schema()) || '.' || ?), 1, 16))::bit(64)::bigint) AS locked",
          args: [schema, table],
        },
        release: null,
      };
    case "mysql": {
      const name = "CONCAT('prisma-sessions:', SHA1(CONCAT(IFNULL(?, DATABASE()), '.', ?)))";
      return {
        acquire: { sql: `SELECT GET_LOCK(${name}, 0) AS locked`, args: [schema, table] },
        release: { sql: `SELECT RELEASE_LOCK(${name}) AS released`, args: [schema, table] },
      };
    }
    case "sqlite":
      return null;
  }
}

/** Whether a lock query's single value means "taken" (pg: `true`; MySQL: `1`, as number, bigint or text). */
export function isTaken(value: unknown): boolean {
  return value === true || value === 1 || value === 1n || value === "1";
}
