import type { CleanupLock, HeldCleanupLock } from "../connector.js";
import { memoizeUntilFailure } from "../memo.js";
import { galeraProbe, isTaken, lockStatements } from "../sql/locks.js";
import { placeholders, type SqlProvider, type SqlStatement } from "../sql/provider.js";
import type { PinnedConnection, SqlRunner } from "../sql/runner.js";
import type { TableName } from "../sql/table-name.js";
import { LeaseCleanupLock } from "./lease-lock.js";

/** No lock at all: for SQLite, where writers already take turns and a database has one host. */
const NOTHING_TO_HOLD: HeldCleanupLock = { release: async () => {} };

/**
 * The lock of {@link lockStatements} on a pinned connection: PostgreSQL advisory lock or MySQL
 * `GET_LOCK`, keyed by the table. On a Galera cluster, where `GET_LOCK` holds on one node only, a
 * lease row instead ({@link LeaseCleanupLock}). On SQLite it is always granted and holds nothing.
 */
export class SqlCleanupLock implements CleanupLock {
  readonly #provider: SqlProvider;
  readonly #table: TableName;
  readonly #pin: () => Promise<PinnedConnection>;
  /** MySQL/MariaDB: whether the server is a Galera node (asked once). */
  readonly #galera: () => Promise<boolean>;
  readonly #lease: LeaseCleanupLock;

  constructor(provider: SqlProvider, table: TableName, pin: () => Promise<PinnedConnection>, runner: SqlRunner) {
    this.#provider = provider;
    this.#table = table;
    this.#pin = pin;
    this.#lease = new LeaseCleanupLock(table, runner);
    this.#galera = memoizeUntilFailure(async () => {
      if (provider !== "mysql") return false;
      const [row] = await runner.query(galeraProbe());
      return String(row?.Value ?? row?.value ?? "").toUpperCase() === "ON";
    });
  }

  /** Whether the lock really excludes other runners (false on SQLite). */
  get effective(): boolean {
    return lockStatements(this.#provider, this.#table) !== null;
  }

  async tryAcquire(): Promise<HeldCleanupLock | null> {
    const statements = lockStatements(this.#provider, this.#table);
    if (statements === null) return NOTHING_TO_HOLD;
    if (await this.#galera()) return this.#lease.tryAcquire();
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
