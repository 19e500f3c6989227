import { randomBytes } from "node:crypto";
import type { CleanupLock, HeldCleanupLock } from "../connector.js";
import { leaseStatements } from "../sql/locks.js";
import type { SqlRunner } from "../sql/runner.js";
import type { TableName } from "../sql/table-name.js";
import { isUniqueViolation, isWriteConflict } from "../storage-errors.js";

/** How long a lease lasts without renewal: a runner that dies frees the lock within it. */
const LEASE_SECONDS = 60;

/**
 * The cleanup lock as a lease row, for MySQL/MariaDB on Galera (see leaseStatements): taking it is
 * an INSERT, which certification lets only one node win; the holder renews it every third of the
 * lease while it runs and deletes it at the end.
 */
export class LeaseCleanupLock implements CleanupLock {
  readonly #table: TableName;
  readonly #runner: SqlRunner;

  constructor(table: TableName, runner: SqlRunner) {
    this.#table = table;
    this.#runner = runner;
  }

  async tryAcquire(): Promise<HeldCleanupLock | null> {
    const token = randomBytes(12).toString("hex");
    const statements = leaseStatements(this.#table, token, LEASE_SECONDS);
    if (!(await this.#take(statements.take, statements.takeOver))) return null;
    const timer = setInterval(
      () => {
        this.#runner.execute(statements.renew).catch(() => {}); // a failed renewal: the lease runs out
      },
      (LEASE_SECONDS * 1000) / 3,
    );
    timer.unref();
    return {
      release: async () => {
        clearInterval(timer);
        await this.#runner.execute(statements.release);
      },
    };
  }

  async #take(
    take: Parameters<SqlRunner["execute"]>[0],
    takeOver: Parameters<SqlRunner["execute"]>[0],
  ): Promise<boolean> {
    try {
      await this.#runner.execute(take);
      return true;
    } catch (error) {
      // Held (the row exists) or being taken on another node right now (certification conflict).
      if (isWriteConflict(error)) return false;
      if (!isUniqueViolation(error)) throw error;
    }
    try {
      return (await this.#runner.execute(takeOver)) === 1;
    } catch (error) {
      if (isWriteConflict(error)) return false;
      throw error;
    }
  }
}
