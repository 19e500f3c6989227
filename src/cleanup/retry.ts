import { setTimeout as sleep } from "node:timers/promises";
import { inErrorChain } from "../error-chain.js";

/**
 * Codes of a statement the database chose as a deadlock victim (or a write conflict) and rolled
 * back whole: PostgreSQL 40P01/40001, MySQL 1213, Prisma P2034. Two cleanups deleting the same
 * oldest rows can meet this on MySQL/MariaDB, whose deletes lock the deadline index and the rows in
 * turn; running the batch again is safe.
 */
const CONFLICT_CODES = new Set<unknown>(["40P01", "40001", "P2034", 1213, "1213", "ER_LOCK_DEADLOCK"]);

/** Whether the error (or one it wraps) says the database rolled the statement back as a conflict. */
export function isWriteConflict(error: unknown): boolean {
  return inErrorChain(
    error,
    (link) =>
      Reflect.get(link, "kind") === "TransactionWriteConflict" ||
      ["code", "originalCode", "errno"].some((key) => CONFLICT_CODES.has(Reflect.get(link, key))),
  );
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
