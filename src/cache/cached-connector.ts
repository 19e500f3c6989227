import type { ClientInfo, SessionConnector, SessionSummary, SessionWrite, StoredSession } from "../connector.js";
import { SessionCache, type SessionCacheOptions } from "./session-cache.js";

/**
 * A connector with an in-process cache of loaded sessions in front of any other, so that most
 * loads cost no round trip, and that never serves a revoked session: other processes' changes
 * (a log-out, a rotation, log-out-everywhere) arrive through an invalidation channel, and when
 * that channel is down or lags beyond `stalenessMs`, loads go to the database until it is back.
 * Writes go straight through and stay compare-and-swap on the row, so a stale cached version can
 * never overwrite newer data: it only costs a lost swap, after which the row is read afresh.
 *
 * Call `start()` before use and `close()` at shutdown.
 *
 * @example
 * const pool = new pg.Pool({ connectionString });
 * await ensureInvalidationTrigger(prisma, { provider: "postgresql" });
 * const connector = new CachedConnector(new PrismaAdapterConnector(new PrismaPg(pool)), {
 *   channel: pgInvalidation({ pool }),
 *   stalenessMs: 1000,
 * });
 * await connector.start();
 */
export class CachedConnector implements SessionConnector {
  readonly #inner: SessionConnector;
  readonly #cache: SessionCache;

  /** Cleanup deletes expired rows only, which the cache never serves: it and the clock go straight through. */
  readonly deleteExpiredSessions: SessionConnector["deleteExpiredSessions"];
  readonly countExpiredSessions: SessionConnector["countExpiredSessions"];
  readonly currentTime: SessionConnector["currentTime"];

  constructor(inner: SessionConnector, options: SessionCacheOptions) {
    this.#inner = inner;
    this.#cache = new SessionCache(options);
    this.deleteExpiredSessions = (now, limit, from) => inner.deleteExpiredSessions(now, limit, from);
    this.countExpiredSessions = (now) => inner.countExpiredSessions(now);
    this.currentTime = () => inner.currentTime();
  }

  /** Subscribes to the channel; until its first heartbeat comes back, every load reads the database. */
  start(): Promise<void> {
    return this.#cache.start();
  }

  /** Whether loads are served from the cache right now (the channel is up and on time). */
  get serving(): boolean {
    return this.#cache.servable();
  }

  close(): Promise<void> {
    return this.#cache.close();
  }

  async getSession(id: string): Promise<StoredSession | null> {
    const cached = this.#cache.get(id);
    if (cached !== undefined) return cached;
    const read = this.#cache.begin();
    const row = await this.#inner.getSession(id);
    this.#cache.keep(id, row, read);
    return row;
  }

  async createSession(session: StoredSession): Promise<boolean> {
    return this.#inner.createSession(session);
  }

  async updateSession(id: string, expectedVersion: number, write: SessionWrite): Promise<boolean> {
    // Whether it applied or lost the swap, what this process holds of the row is old now.
    const applied = await this.#inner.updateSession(id, expectedVersion, write);
    await this.#cache.invalidate(id);
    return applied;
  }

  async touchSession(id: string, expiresAt: Date, now: Date, client?: ClientInfo): Promise<boolean> {
    const touched = await this.#inner.touchSession(id, expiresAt, now, client);
    if (touched) await this.#cache.invalidate(id);
    return touched;
  }

  async destroySession(id: string): Promise<void> {
    await this.#inner.destroySession(id);
    await this.#cache.invalidate(id);
  }

  listUserSessions(userId: string, now: Date): Promise<SessionSummary[]> {
    return this.#inner.listUserSessions(userId, now);
  }

  async destroyUserSessions(userId: string, exceptId?: string): Promise<number> {
    const count = await this.#inner.destroyUserSessions(userId, exceptId);
    if (count > 0) await this.#cache.invalidateUser(userId);
    return count;
  }
}
