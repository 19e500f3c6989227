/**
 * Collects the keys asked for during one turn of the event loop and fetches them with one query,
 * the way Prisma batches concurrent `findUnique` calls: under load, many requests read their
 * sessions at the same moment, and one `WHERE id IN (…)` replaces a round trip each.
 */
export class BatchLoader<V> {
  readonly #fetch: (keys: string[]) => Promise<Map<string, V>>;
  readonly #maxBatch: number;
  #pending = new Map<string, { resolve: (value: V | null) => void; reject: (error: unknown) => void }[]>();
  #scheduled = false;

  constructor(fetch: (keys: string[]) => Promise<Map<string, V>>, maxBatch = 100) {
    this.#fetch = fetch;
    this.#maxBatch = maxBatch;
  }

  load(key: string): Promise<V | null> {
    return new Promise((resolve, reject) => {
      const waiting = this.#pending.get(key);
      if (waiting) waiting.push({ resolve, reject });
      else this.#pending.set(key, [{ resolve, reject }]);
      if (!this.#scheduled) {
        this.#scheduled = true;
        // After this turn's I/O callbacks have all asked for their keys.
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    const pending = this.#pending;
    this.#pending = new Map();
    this.#scheduled = false;
    const keys = [...pending.keys()];
    for (let start = 0; start < keys.length; start += this.#maxBatch) {
      const batch = keys.slice(start, start + this.#maxBatch);
      this.#fetch(batch).then(
        (found) => {
          for (const key of batch) for (const waiter of pending.get(key) ?? []) waiter.resolve(found.get(key) ?? null);
        },
        (error: unknown) => {
          for (const key of batch) for (const waiter of pending.get(key) ?? []) waiter.reject(error);
        },
      );
    }
  }
}
