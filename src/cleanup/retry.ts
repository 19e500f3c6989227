import { setTimeout as sleep } from "node:timers/promises";
import { isWriteConflict } from "../storage-errors.js";

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
