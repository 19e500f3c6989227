/**
 * A session as storage holds it. Connectors speak this; applications speak {@link SessionStore}.
 * `id` is the SHA-256 hex digest of the session key, never the key itself.
 *
 * A row whose `data` is the empty string is a **rotation marker**: the session moved to a new key
 * and this row only remembers, until its `expiresAt`, that the old key was rotated (it has no owner
 * and no data). The core writes and reads markers through the ordinary methods; a connector stores
 * them like any row, and {@link SessionInventory} listings skip them.
 */
export interface StoredSession {
  id: string;
  /** The serialized session data. */
  data: string;
  userId: string | null;
  /** Incremented by every data write; the basis of compare-and-swap. */
  version: number;
  /** The effective deadline: the earlier of the idle and the absolute limit (or a custom expiry). */
  expiresAt: Date;
  /** The hard cap measured from creation (or a custom expiry). */
  absoluteExpiresAt: Date;
  /** The cookie should carry no Max-Age/Expires ("until the browser closes"). */
  browserSession: boolean;
  createdAt: Date;
  /** When the session was last written (data, owner or deadline): a device list's "last seen". */
  updatedAt: Date;
  /** The client's User-Agent as last written (at most 191 characters), `null` when unknown. */
  userAgent: string | null;
  /** The client's address as the app's policy keeps it (full, truncated or none), `null` when unknown. */
  clientAddress: string | null;
}

/** The client a request comes from, as a session records it for device lists. */
export interface ClientInfo {
  userAgent: string | null;
  address: string | null;
}

/** Whether a row is a rotation marker (see {@link StoredSession}). */
export function isRotationMarker(row: Pick<StoredSession, "data">): boolean {
  return row.data === "";
}

/** A stored session without its data, as listings return it. */
export type SessionSummary = Omit<StoredSession, "data">;

/** The columns a compare-and-swap write replaces. */
export interface SessionWrite {
  data: string;
  userId: string | null;
  expiresAt: Date;
  absoluteExpiresAt: Date;
  browserSession: boolean;
  updatedAt: Date;
  userAgent: string | null;
  clientAddress: string | null;
}

/**
 * The storage contract. Every method is required and returns a Promise; "not found" is `null`,
 * `false` or `0`, never a throw. Any other failure rejects (the core wraps it in `ConnectorError`).
 */
export interface SessionConnector {
  /** The row with this id; `null` when there is none. MAY return `null` for an expired row. */
  getSession(id: string): Promise<StoredSession | null>;

  /**
   * Inserts a new row. MUST NOT overwrite an existing row: returns `false` when `id` is taken.
   */
  createSession(session: StoredSession): Promise<boolean>;

  /**
   * Compare-and-swap: applies `write` and sets `version` to `expectedVersion + 1` only if the row
   * `id` exists with `version === expectedVersion`, as ONE atomic statement. Returns whether a row
   * changed.
   */
  updateSession(id: string, expectedVersion: number, write: SessionWrite): Promise<boolean>;

  /**
   * Extends the deadline without touching data or version: sets `expiresAt` and `updatedAt` (and,
   * when `client` is given, `userAgent` and `clientAddress`) only if the row exists and its current
   * `expiresAt` is after `now` and before `expiresAt`. One statement; MUST NOT read-modify-write the
   * data. Returns whether a row changed.
   */
  touchSession(id: string, expiresAt: Date, now: Date, client?: ClientInfo): Promise<boolean>;

  /** Deletes the row. Idempotent: a missing row is not an error. */
  destroySession(id: string): Promise<void>;

  /**
   * The user's sessions whose `expiresAt` is after `now`, oldest first (by `createdAt`, ties by
   * `id`, so the order is stable). `userId` MUST match exactly: another case or a trailing space
   * is another user, whatever the column's collation.
   */
  listUserSessions(userId: string, now: Date): Promise<SessionSummary[]>;

  /** Deletes all of the user's sessions (exact match, as above) except `exceptId`; returns how many went. */
  destroyUserSessions(userId: string, exceptId?: string): Promise<number>;

  /**
   * One cleanup batch: deletes at most `limit` rows whose `expiresAt` is at or before `now`,
   * oldest deadline first, re-checking the deadline in the delete itself so a row extended
   * meanwhile survives. MUST NOT load session data; memory MUST NOT grow with the table, and the
   * connector keeps no state between batches. A `limit` that is not a positive integer deletes
   * nothing.
   *
   * `from` is the `last` of the previous batch of the same run (same `now`), or absent for the
   * first: the connector MAY skip rows whose deadline is before it (on PostgreSQL, deleted rows
   * leave dead index entries that every batch would walk again from the start of the index). The
   * cleanup engine keeps this cursor; a connector only reports `last`.
   */
  deleteExpiredSessions(now: Date, limit: number, from?: Date | null): Promise<ExpiredBatch>;

  /** How many rows have `expiresAt` at or before `now` (a cleanup dry run). MUST NOT load data. */
  countExpiredSessions(now: Date): Promise<number>;

  /**
   * The current time by the storage's own clock (the database server's): cleanup decides what has
   * expired by it, so a cleanup host whose clock runs ahead never deletes live sessions.
   */
  currentTime(): Promise<Date>;
}

/**
 * Whole-store operations some integrations need (express-session's `all`, `length`, `clear`).
 * Both shipped connectors implement it; a connector of your own may, and the type system tells
 * you where it is required.
 */
export interface SessionInventory {
  /** How many sessions have `expiresAt` after `now` (rotation markers not counted). */
  countSessions(now: Date): Promise<number>;

  /**
   * Up to `limit` live sessions (`expiresAt` after `now`; no rotation markers) with their data,
   * ordered by id, starting after `afterId` when given: a page of a walk that never holds the
   * whole table.
   */
  listSessions(now: Date, limit: number, afterId?: string): Promise<StoredSession[]>;

  /** Deletes every row; returns how many went. */
  destroyAllSessions(): Promise<number>;
}

/** What one {@link SessionConnector.deleteExpiredSessions} batch did. */
export interface ExpiredBatch {
  deleted: number;
  /**
   * The latest deadline among the rows this batch deleted, where the next batch of the run may
   * start; `null` when it deleted none or does not track it (then every batch starts at the oldest).
   */
  last: Date | null;
}

/** How many batches one server-side run may take, and for how long. */
export interface BatchBudget {
  batches: number;
  ms: number;
}

/** A place in the table's heap (PostgreSQL): a relation (a partition, or the table) and a row position in it. */
export interface HeapPosition {
  /** The relation's oid. */
  readonly relation: number;
  /** The `ctid`'s block number. */
  readonly block: number;
  /** The `ctid`'s line pointer within the block. */
  readonly offset: number;
}

/**
 * Where a server-side run's next call goes on, as the previous call returned it (the engine only
 * passes it back): a deadline when the batches walk the deadline index (no expired row is older),
 * or a {@link HeapPosition} when they sweep the heap in physical order.
 */
export type BatchCursor = Date | HeapPosition;

/** What one {@link CleanupTarget.deleteExpiredBatches} call did. */
export interface BatchRun {
  deleted: number;
  batches: number;
  /** The last batch came back short: nothing expired is left (as of `now`). */
  done: boolean;
  /** Where the run's next call starts, or `null` to start afresh (at the oldest deadline). */
  from: BatchCursor | null;
}

/**
 * What cleanup runs on: every {@link SessionConnector} is one; the command line and
 * `PrismaCleanupTarget` implement just these over plain SQL.
 */
export interface CleanupTarget
  extends Pick<SessionConnector, "deleteExpiredSessions" | "countExpiredSessions" | "currentTime"> {
  /**
   * Optional: runs batches of `deleteExpiredSessions(now, limit)` on the database server itself,
   * each its own transaction, until a batch comes back short, `budget.batches` have run or
   * `budget.ms` have passed, starting at `from` (the previous call's `from`, `null` first). Cleanup
   * prefers it: it saves a round trip per batch.
   */
  deleteExpiredBatches?:
    | ((now: Date, limit: number, budget: BatchBudget, from: BatchCursor | null) => Promise<BatchRun>)
    | undefined;
}

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
