import { randomBytes } from "node:crypto";
import type { StoredSession } from "../connector.js";
import { ConfigError } from "../errors.js";
import type { SessionLogger } from "../session-options.js";
import type { InvalidationChannel } from "./channel.js";

/** The shortest wait for a first heartbeat before a silent channel is reported. */
const SILENT_AFTER_MS = 2000;

/** Options of the session cache (see `CachedConnector`). */
export interface SessionCacheOptions {
  /** Where invalidations travel: `pgInvalidation(…)` or `redisInvalidation(…)`. */
  channel: InvalidationChannel;
  /**
   * The longest a change made by another process may go unseen here, in milliseconds. A cached
   * row is served only while a heartbeat this process sent at most this long ago has come back
   * through the channel, so every invalidation published before it has been applied; otherwise
   * loads go to the database (the cache is off until the channel is back). @default 1000
   */
  stalenessMs?: number;
  /** Most sessions kept (least recently used go first). @default 10000 */
  maxEntries?: number;
  /**
   * Receives the cache's warnings: turned off because the channel went down, or never on because
   * no heartbeat ever came back (a `ConfigError`: LISTEN through a transaction pooler). @default
   * none, except that the never-on warning goes to the console
   */
  logger?: SessionLogger;
}

interface Entry {
  row: StoredSession;
  /** The heartbeat epoch the row was read in. */
  epoch: number;
}

/**
 * The in-process cache of loaded session rows and its fail-closed staleness rule. Heartbeats go
 * out every quarter of the budget; `servable()` is true only while the latest one that came back
 * was sent within the budget. Every loss of the channel empties the cache and starts a new epoch;
 * a row read before the epoch's first heartbeat came back is not kept, since an invalidation
 * published meanwhile could have been missed.
 */
export class SessionCache {
  readonly #channel: InvalidationChannel;
  readonly #stalenessMs: number;
  readonly #maxEntries: number;
  readonly #logger: SessionLogger;
  readonly #entries = new Map<string, Entry>();
  /** When each id was last invalidated (performance.now()), to refuse a read that raced it. */
  readonly #invalidated = new Map<string, number>();
  readonly #token = randomBytes(8).toString("hex");
  readonly #sent = new Map<number, number>();
  #sequence = 0;
  #epoch = 0;
  #epochStart = Number.POSITIVE_INFINITY;
  #confirmedAt = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;
  /** When the channel last said it subscribed (performance.now()), or null while it is down. */
  #liveSince: number | null = null;
  #warnedSilent = false;

  constructor(options: SessionCacheOptions) {
    this.#channel = options.channel;
    this.#stalenessMs = options.stalenessMs ?? 1000;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#logger = options.logger ?? {};
  }

  /** Subscribes and starts the heartbeat. */
  async start(): Promise<void> {
    await this.#channel.start({
      message: (text) => this.#receive(text),
      state: (live) => {
        this.#liveSince = live ? performance.now() : null;
        this.#warnedSilent = false;
        if (!live) this.#drop("the invalidation channel is down");
        else this.#beat();
      },
    });
    this.#timer = setInterval(() => this.#beat(), Math.max(10, this.#stalenessMs / 4));
    this.#timer.unref();
  }

  /** Whether cached rows may be served now. */
  servable(): boolean {
    return performance.now() - this.#confirmedAt <= this.#stalenessMs;
  }

  /** The cached row for `id`, when it may be served. */
  get(id: string): StoredSession | undefined {
    if (!this.servable()) return undefined;
    const entry = this.#entries.get(id);
    if (entry === undefined || entry.epoch !== this.#epoch) return undefined;
    this.#entries.delete(id); // least recently used last
    this.#entries.set(id, entry);
    return entry.row;
  }

  /** A read begins: what {@link keep} needs to know it did not race an invalidation. */
  begin(): { epoch: number; at: number } {
    return { epoch: this.#epoch, at: performance.now() };
  }

  /** Keeps a row read since `read` began, unless the channel or an invalidation says it may be stale. */
  keep(id: string, row: StoredSession | null, read: { epoch: number; at: number }): void {
    if (row === null || read.epoch !== this.#epoch || read.at < this.#epochStart) return;
    if ((this.#invalidated.get(id) ?? Number.NEGATIVE_INFINITY) >= read.at) return;
    this.#entries.set(id, { row, epoch: this.#epoch });
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }

  /** Forgets a row here, and tells the other processes when the database does not. */
  async invalidate(id: string): Promise<void> {
    this.#forget(id);
    if (!this.#channel.announcesChanges) await this.#channel.publish(`i:${id}`);
  }

  /** Forgets every row of a user here, and tells the other processes (log-out-everywhere). */
  async invalidateUser(userId: string): Promise<void> {
    this.#forgetUser(userId);
    if (!this.#channel.announcesChanges) await this.#channel.publish(`u:${userId}`);
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#drop("closed");
    await this.#channel.close();
  }

  #beat(): void {
    this.#warnIfSilent();
    const sequence = ++this.#sequence;
    this.#sent.set(sequence, performance.now());
    this.#channel.publish(`p:${this.#token}:${sequence}`).catch((error: unknown) => {
      this.#sent.delete(sequence);
      this.#logger.debug?.("session cache heartbeat failed", { error: String(error) });
    });
  }

  /**
   * A channel that subscribed but never brings a heartbeat back leaves the cache off for good: a
   * configuration problem (LISTEN through a transaction pooler), said once per subscription as a
   * `ConfigError`, on the console when no logger was given.
   */
  #warnIfSilent(): void {
    if (this.#liveSince === null || this.#warnedSilent || this.#epochStart !== Number.POSITIVE_INFINITY) return;
    const waited = performance.now() - this.#liveSince;
    if (waited < Math.max(SILENT_AFTER_MS, 4 * this.#stalenessMs)) return;
    this.#warnedSilent = true;
    const error = new ConfigError(
      `session cache off: the invalidation channel subscribed ${Math.round(waited)} ms ago and no heartbeat has come ` +
        "back through it, so no cached session is served. A transaction pooler (PgBouncer in transaction mode) does " +
        "not keep LISTEN: give pgInvalidation a pool on a direct or session-pooled connection.",
    );
    (this.#logger.warn ?? console.warn)(error.message, { error });
  }

  #receive(text: string): void {
    if (text.startsWith("p:")) {
      const [, token, sequence] = text.split(":");
      if (token !== this.#token) return;
      const sentAt = this.#sent.get(Number(sequence));
      if (sentAt === undefined) return;
      for (const key of this.#sent.keys()) if (key <= Number(sequence)) this.#sent.delete(key);
      // The first heartbeat of an epoch opens it: reads that began after it was sent may be kept.
      if (this.#epochStart === Number.POSITIVE_INFINITY) this.#epochStart = sentAt;
      this.#confirmedAt = Math.max(this.#confirmedAt, sentAt);
      return;
    }
    if (text.startsWith("u:")) this.#forgetUser(text.slice(2));
    else this.#forget(text.startsWith("i:") ? text.slice(2) : text); // the trigger sends bare ids
  }

  #forget(id: string): void {
    this.#entries.delete(id);
    this.#invalidated.set(id, performance.now());
    if (this.#invalidated.size > 4 * this.#maxEntries) this.#pruneInvalidated();
  }

  #forgetUser(userId: string): void {
    for (const [id, entry] of this.#entries) if (entry.row.userId === userId) this.#forget(id);
  }

  /** Invalidations older than any read in flight are no longer needed. */
  #pruneInvalidated(): void {
    const horizon = performance.now() - 60_000;
    for (const [id, at] of this.#invalidated) if (at < horizon) this.#invalidated.delete(id);
  }

  #drop(why: string): void {
    if (this.#entries.size > 0) this.#logger.warn?.(`session cache off: ${why}`);
    this.#entries.clear();
    this.#epoch += 1;
    this.#epochStart = Number.POSITIVE_INFINITY;
    this.#confirmedAt = Number.NEGATIVE_INFINITY;
    this.#sent.clear();
  }
}
