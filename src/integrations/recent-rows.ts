/** What this process last knew of a stored row. */
export type KnownRow = { version: number; expiresAt: Date } | "destroyed";

/**
 * What this process last read or wrote of each row, for the express-session store: express-session
 * calls `get` at the start of a request and `set` or `touch` at its end, so remembering the row's
 * version and deadline lets `set` compare-and-swap and `touch` decide whether an extension is due
 * without reading the row again. Remembering destroyed rows keeps a late `set` from a parallel
 * request from resurrecting a session that was logged out. Bounded: the oldest entries go first.
 * Another process's writes only make an entry stale, which costs one more query, never a wrong write.
 */
export class RecentRows {
  readonly #rows = new Map<string, KnownRow>();
  readonly #capacity: number;

  constructor(capacity = 10_000) {
    this.#capacity = capacity;
  }

  get(id: string): KnownRow | undefined {
    return this.#rows.get(id);
  }

  remember(id: string, row: KnownRow): void {
    this.#rows.delete(id); // re-inserting moves the entry to the young end
    this.#rows.set(id, row);
    if (this.#rows.size > this.#capacity) {
      const oldest = this.#rows.keys().next();
      if (!oldest.done) this.#rows.delete(oldest.value);
    }
  }

  clear(): void {
    this.#rows.clear();
  }
}
