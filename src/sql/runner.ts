// What runs the statements of src/sql: a Prisma client's raw methods, a driver adapter, a pinned
// connection. Implementations live in src/storage.
import type { SqlStatement } from "./provider.js";

/** Runs SQL whose placeholders are already in the provider's form. */
export interface SqlRunner {
  /** Rows as column → value records. */
  query(statement: SqlStatement): Promise<Record<string, unknown>[]>;
  /** The number of rows the statement changed. */
  execute(statement: SqlStatement): Promise<number>;
}

/**
 * One connection taken from a pool for a lock's lifetime, inside a transaction (the only way a
 * pooled driver pins a connection). Other statements run on the pool's other connections meanwhile.
 */
export interface PinnedConnection {
  /** Runs a statement (placeholders in the provider's form); resolves to the first value of the first row. */
  queryValue(statement: SqlStatement): Promise<unknown>;
  /** Ends the transaction (rolling back: it wrote nothing) and returns the connection to the pool. */
  close(): Promise<void>;
}
