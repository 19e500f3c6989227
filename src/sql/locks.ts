// The single-runner cleanup lock's statements.
import type { SqlProvider, SqlStatement } from "./provider.js";
import { quoteTable, type TableName } from "./table-name.js";

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

/** The id of the cleanup's lease row on Galera (no key digest looks like it: those are 64 hex digits). */
export const LEASE_ID = "prisma-sessions:cleanup-lease";

/** One row, `Value` ON, on a node of a Galera cluster (MariaDB's `wsrep_on`); no row on MySQL. */
export function galeraProbe(): SqlStatement {
  return { sql: "SHOW VARIABLES LIKE 'wsrep_on'", args: [] };
}

/** The statements of a lease: a row in the sessions table that replicates like any other. */
export interface LeaseStatements {
  /** Inserts the lease row; fails (duplicate key, or a certification conflict) when it exists. */
  take: SqlStatement;
  /** Takes over a lease whose holder let it run out; changes one row when it did. */
  takeOver: SqlStatement;
  /** Extends the lease while its holder runs; changes one row while it still holds it. */
  renew: SqlStatement;
  release: SqlStatement;
}

/**
 * MySQL/MariaDB on Galera, where `GET_LOCK` is local to the node that runs it: the lock is a row
 * (data empty, like a rotation marker, so no listing counts it; `user_id` holds the holder's
 * token) whose deadline is the lease, by the database's clock. An expired lease is taken over,
 * or deleted by cleanup like any expired row.
 */
export function leaseStatements(table: TableName, token: string, seconds: number): LeaseStatements {
  const t = quoteTable("mysql", table);
  const until = "UTC_TIMESTAMP(3) + INTERVAL ? SECOND";
  return {
    take: {
      sql:
        `INSERT INTO ${t} (id, data, user_id, version, expires_at, absolute_expires_at, browser_session, created_at,` +
        ` updated_at) VALUES (?, '', ?, 1, ${until}, ${until}, 0, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))`,
      args: [LEASE_ID, token, seconds, seconds],
    },
    takeOver: {
      sql:
        `UPDATE ${t} SET user_id = ?, version = version + 1, expires_at = ${until}, absolute_expires_at = ${until}` +
        " WHERE id = ? AND expires_at < UTC_TIMESTAMP(3)",
      args: [token, seconds, seconds, LEASE_ID],
    },
    renew: {
      sql: `UPDATE ${t} SET expires_at = ${until}, absolute_expires_at = ${until} WHERE id = ? AND user_id = ?`,
      args: [seconds, seconds, LEASE_ID, token],
    },
    release: { sql: `DELETE FROM ${t} WHERE id = ? AND user_id = ?`, args: [LEASE_ID, token] },
  };
}
