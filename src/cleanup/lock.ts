import type { SqlProvider } from "../setup/ensure-session-table.js";
import { isTaken, lockStatements, placeholders, type SqlStatement, type TableName } from "../sql/dialect.js";

/** A lock this runner holds; release it when the cleanup ends. */
export interface HeldCleanupLock {
  /** Gives the lock up. Called once; the lock is also gone if the process or its connection dies. */
  release(): Promise<void>;
}

/**
 * A single-runner lock for cleanup. `tryAcquire` MUST NOT wait for another holder: it resolves to
 * `null` at once when someone else holds the lock, so a second cron host or an overlapping
 * deploy simply skips its run.
 */
export interface CleanupLock {
  tryAcquire(): Promise<HeldCleanupLock | null>;
}

/**
 * One connection taken from a pool for the lock's lifetime, inside a transaction (the only way a
 * pooled driver pins a connection). Batches run on the pool's other connections meanwhile.
 */
export interface PinnedConnection {
  /** Runs a statement (placeholders in the provider's form); resolves to the first value of the first row. */
  queryValue(statement: SqlStatement): Promise<unknown>;
  /** Ends the transaction (rolling back: it wrote nothing) and returns the connection to the pool. */
  close(): Promise<void>;
}

/** No lock at all: for SQLite, where writers already take turns and a database has one host. */
const NOTHING_TO_HOLD: HeldCleanupLock = { release: async () => {} };

/**
 * The lock of {@link lockStatements} on a pinned connection: PostgreSQL advisory lock or MySQL
 * `GET_LOCK`, keyed by the table. On SQLite it is always granted and holds nothing.
 */
export class SqlCleanupLock implements CleanupLock {
  readonly #provider: SqlProvider;
  readonly #table: TableName;
  readonly #pin: () => Promise<PinnedConnection>;

  constructor(provider: SqlProvider, table: TableName, pin: () => Promise<PinnedConnection>) {
    this.#provider = provider;
    this.#table = table;
    this.#pin = pin;
  }

  /** Whether the lock really excludes other runners (false on SQLite). */
  get effective(): boolean {
    return lockStatements(this.#provider, this.#table) !== null;
  }

  async tryAcquire(): Promise<HeldCleanupLock | null> {
    const statements = lockStatements(this.#provider, this.#table);
    if (statements === null) return NOTHING_TO_HOLD;
    const connection = await this.#pin();
    const run = ({ sql, args }: SqlStatement) =>
      connection.queryValue({ sql: placeholders(this.#provider, sql), args });
    let taken = false;
    try {
      taken = isTaken(await run(statements.acquire));
    } finally {
      if (!taken) await connection.close();
    }
    if (!taken) return null;
    const { release } = statements;
    return {
      release: async () => {
        try {
          if (release !== null) await run(release);
        } finally {
          await connection.close();
        }
      },
    };
  }
}
