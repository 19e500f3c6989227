import type { CleanupLock, HeldCleanupLock } from "../connector.js";
import { checkPositiveInteger } from "../numbers.js";
import type { PinnedConnection } from "../sql/runner.js";
import { prismaRunner, type RawSqlClient } from "./prisma-raw.js";
import { checkPrismaCleanupOptions, type PrismaCleanupTargetOptions } from "./prisma-target.js";
import { SqlCleanupLock } from "./sql-lock.js";

/** What the lock calls on the client an interactive transaction hands out. */
export interface PrismaLockTransaction {
  $queryRawUnsafe(query: string, ...values: unknown[]): PromiseLike<unknown>;
}

/**
 * The interactive-transaction and raw-SQL methods of a Prisma client, declared structurally so any
 * generated client fits, whatever its output path.
 */
export interface PrismaLockClient extends RawSqlClient {
  $transaction<R>(
    run: (tx: PrismaLockTransaction) => Promise<R>,
    options?: { maxWait?: number; timeout?: number },
  ): PromiseLike<R>;
}

/**
 * Options of {@link PrismaCleanupLock}. Runners on the same `table` exclude each other, the
 * `prisma-sessions cleanup --lock` command included; unqualified, PostgreSQL takes the
 * connection's current schema and MySQL its database.
 */
export interface PrismaCleanupLockOptions extends PrismaCleanupTargetOptions {
  /** Milliseconds to wait for a pooled connection to hold the lock on. @default 10000 */
  maxWait?: number;
}

/** The longest timer Node keeps (about 24.8 days); the lock must outlive any cleanup. */
const LONGEST_TIMEOUT = 2 ** 31 - 1;

function firstValue(rows: unknown): unknown {
  if (!Array.isArray(rows)) return undefined;
  const [row]: unknown[] = rows;
  return typeof row === "object" && row !== null ? Object.values(row)[0] : undefined;
}

/** Pins one pooled connection in an interactive transaction that stays open until `close()`. */
function pinConnection(client: PrismaLockClient, maxWait: number): Promise<PinnedConnection> {
  return new Promise<PinnedConnection>((resolve, reject) => {
    let finish = () => {};
    const finished = new Promise<void>((done) => {
      finish = done;
    });
    const transaction = Promise.resolve(
      client.$transaction(
        async (tx) => {
          resolve({
            queryValue: async ({ sql, args }) => firstValue(await tx.$queryRawUnsafe(sql, ...args)),
            close: async () => {
              finish();
              await transaction;
            },
          });
          await finished;
        },
        { maxWait, timeout: LONGEST_TIMEOUT },
      ),
    );
    // Before the callback ran this rejects the pin; afterwards close() reports it.
    transaction.catch(reject);
  });
}

/**
 * A single-runner cleanup lock through your Prisma client: on PostgreSQL a transaction-scoped
 * advisory lock, on MySQL/MariaDB `GET_LOCK`, each held on one pooled connection inside an
 * interactive transaction while the batches run on the others (that transaction writes nothing
 * and holds no snapshot between statements, so it does not hold back vacuum). On SQLite it is
 * always granted and does nothing: SQLite runs one writer at a time, and concurrent cleanups
 * simply share the work.
 *
 * @example
 * await cleanupExpiredSessions(new PrismaConnector(prisma), {
 *   lock: new PrismaCleanupLock(prisma, { provider: "postgresql" }),
 * }); // { stoppedEarly: "locked", … } when another runner is at it
 */
export class PrismaCleanupLock implements CleanupLock {
  readonly #lock: SqlCleanupLock;

  constructor(client: PrismaLockClient, options: PrismaCleanupLockOptions) {
    const table = checkPrismaCleanupOptions(client, "$transaction", options);
    const maxWait = options.maxWait ?? 10_000;
    checkPositiveInteger(maxWait, "maxWait");
    this.#lock = new SqlCleanupLock(
      options.provider,
      table,
      () => pinConnection(client, maxWait),
      prismaRunner(client),
    );
  }

  tryAcquire(): Promise<HeldCleanupLock | null> {
    return this.#lock.tryAcquire();
  }
}
