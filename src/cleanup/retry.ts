import { setTimeout as sleep } from "node:timers/promises";

/**
 * Codes of a statement the database chose as a deadlock victim (or a write conflict) and rolled
 * back whole: PostgreSQL 40P01/40001, MySQL 1213, Prisma P2034. Two cleanups deleting the same
 * oldest rows can meet this on MySQL/MariaDB, whose deletes lock the deadline index and the rows in
 * turn; running the batch again is safe.
 */
const CONFLICT_CODES = new Set<unknown>(["40P01", "40001", "P2034", 1213, "1213", "ER_LOCK_DEADLOCK"]);

/** Looks through the error, its `cause`s and Prisma's `meta.driverAdapterError` for a conflict code. */
export function isWriteConflict(error: unknown): boolean {
  const queue: unknown[] = [error];
  const seen = new Set<object>();
  while (queue.length > 0) {
    const next = queue.shift();
    if (typeof next !== "object" || next === null || seen.has(next)) continue;
    seen.add(next);
    if (Reflect.get(next, "kind") === "TransactionWriteConflict") return true;
    if (["code", "originalCode", "errno"].some((key) => CONFLICT_CODES.has(Reflect.get(next, key)))) return true;
    queue.push(Reflect.get(next, "cause"), Reflect.get(next, "meta"), Reflect.get(next, "driverAdapterError"));
  }
  return false;
}

const ATTEMPTS = 5;

/** Runs `batch`, again after a short random pause when the database rolled it back as a deadlock victim. */
export async function retryingConflicts<T>(batch: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await batch();
    } catch (error) {
      if (attempt >= ATTEMPTS || !isWriteConflict(error)) throw error;
      // The other transaction needs a moment to finish; a random pause keeps two runners from colliding again.
      await sleep(5 + Math.random() * 20 * attempt);
    }
  }
}
