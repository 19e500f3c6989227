import { add } from "date-fns";
import type { SessionData as ExpressData } from "express-session";
import type { Clock } from "../clock.js";
import type { SessionConnector, SessionInventory, SessionSummary, SessionWrite } from "../connector.js";
import type { Duration } from "../duration.js";
import { SessionConflict } from "../errors.js";
import { hashSessionKey } from "../keys.js";
import { type ResolvedSessionOptions, resolveOptions, type SessionLogger } from "../options.js";
import { callConnector } from "../storage-call.js";
import { queueWrite } from "../write-queue.js";
import { bridge, type Callback, storeBase } from "./express-session-bridge.js";
import { type KnownRow, RecentRows } from "./recent-rows.js";

/** Options of {@link ExpressSessionStore}. */
export interface ExpressSessionStoreOptions {
  /** The storage: `new PrismaConnector(prisma)` (or `new MemoryConnector()` in tests). */
  connector: SessionConnector & SessionInventory;
  /**
   * Lifetime of a session whose cookie has no expiry (express-session's default, a cookie that
   * ends with the browser); it slides with use. Cookies with `maxAge` use their own deadline.
   * @default { days: 1 }
   */
  idleTimeout?: Duration;
  /**
   * Reads the session's owner from its data, stored in the indexed `userId` column for
   * {@link ExpressSessionStore.destroyUserSessions}. @default none (no owner is recorded)
   * @example userId: (session) => session.passport?.user
   */
  userId?: (session: ExpressData) => string | null | undefined;
  /** Receives debug, warning and error events; keys are never logged. @default none */
  logger?: SessionLogger;
  /** Source of "now". @default the system clock */
  clock?: Clock;
}

/** Live rows `all()` reads per query. */
const PAGE_SIZE = 200;

/**
 * An express-session `Store` on a prisma-sessions connector: an existing express-session app
 * switches with one line (`store: new ExpressSessionStore({ connector: new PrismaConnector(prisma) })`)
 * and gains hashed keys at rest, a `touch` that writes the deadline only once half of the
 * lifetime has passed, atomic writes without P2002/P2025 crashes under parallel requests (last
 * writer wins, as with any express-session store), no resurrection of a session destroyed by a
 * parallel request, and per-user listing and destroy.
 *
 * Rows are keyed by the SHA-256 digest of the session id; the id itself is never stored, so
 * `all()` keys its result by digest.
 */
export class ExpressSessionStore extends storeBase() {
  readonly #options: ResolvedSessionOptions;
  readonly #inventory: SessionInventory;
  readonly #userId: ((session: ExpressData) => string | null | undefined) | undefined;
  readonly #known = new RecentRows();

  constructor(options: ExpressSessionStoreOptions) {
    super();
    this.#options = resolveOptions({
      connector: options.connector,
      idleTimeout: options.idleTimeout ?? { days: 1 },
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    });
    this.#inventory = options.connector;
    this.#userId = options.userId;
  }

  override get(sid: string, callback: Callback<ExpressData | null>): void {
    bridge(this.#get(sid), callback);
  }

  override set(sid: string, session: ExpressData, callback?: Callback<void>): void {
    const id = hashSessionKey(sid);
    // One write per row at a time in this process; compare-and-swap handles the others.
    bridge(
      queueWrite(this.#options.connector, id, () => this.#write(id, session)),
      callback,
    );
  }

  /** Extends the deadline with one UPDATE of the expiry, only once less than half of the lifetime is left. */
  override touch(sid: string, session: ExpressData, callback?: Callback<void>): void {
    // A failed extension must not break a response whose body is already on its way.
    const work = this.#touch(hashSessionKey(sid), session).catch((error: unknown) => {
      this.#options.logger.warn?.("express-session touch failed", { error: String(error) });
    });
    bridge(work, callback);
  }

  override destroy(sid: string, callback?: Callback<void>): void {
    const id = hashSessionKey(sid);
    bridge(
      this.#call("destroy", (c) => c.destroySession(id)).then(() => this.#known.remember(id, "destroyed")),
      callback,
    );
  }

  /** Every live session, keyed by storage id (the digest: session ids are not stored). */
  override all(callback: Callback<Record<string, ExpressData>>): void {
    bridge(this.#all(), callback);
  }

  override length(callback: Callback<number>): void {
    const now = this.#options.clock();
    bridge(
      this.#call("length", () => this.#inventory.countSessions(now)),
      callback,
    );
  }

  override clear(callback?: Callback<void>): void {
    const work = this.#call("clear", () => this.#inventory.destroyAllSessions()).then(() => this.#known.clear());
    bridge(work, callback);
  }

  /** The user's live sessions (needs the `userId` option), oldest first, without their data. */
  listUserSessions(userId: string): Promise<SessionSummary[]> {
    const now = this.#options.clock();
    return this.#call("listUserSessions", (c) => c.listUserSessions(userId, now));
  }

  /**
   * Destroys the user's sessions ("log out everywhere"), or all but `except` (a session id, e.g.
   * `req.sessionID`: "log out other devices"). Needs the `userId` option. Returns how many went.
   */
  destroyUserSessions(userId: string, options: { except?: string } = {}): Promise<number> {
    const exceptId = options.except === undefined ? undefined : hashSessionKey(options.except);
    return this.#call("destroyUserSessions", (c) => c.destroyUserSessions(userId, exceptId));
  }

  #call<T>(operation: string, call: (connector: SessionConnector) => Promise<T>): Promise<T> {
    return callConnector(this.#options, operation, call);
  }

  async #get(sid: string): Promise<ExpressData | null> {
    const id = hashSessionKey(sid);
    const row = await this.#call("get", (c) => c.getSession(id));
    if (row === null || row.expiresAt.getTime() <= this.#options.clock().getTime()) return null;
    const session = this.#parse(row.data);
    if (session !== null) this.#known.remember(id, { version: row.version, expiresAt: row.expiresAt });
    return session;
  }

  async #write(id: string, session: ExpressData): Promise<void> {
    const now = this.#options.clock();
    const { expiresAt, browserSession } = this.#deadline(session, now);
    const write: SessionWrite = {
      data: JSON.stringify(session),
      userId: this.#userId?.(session) ?? null,
      expiresAt,
      absoluteExpiresAt: expiresAt, // express-session has no absolute cap: the column mirrors the deadline
      browserSession,
      updatedAt: now,
    };
    let known = this.#known.get(id);
    for (let attempt = 1; attempt <= this.#options.maxSaveAttempts; attempt++) {
      if (known === "destroyed") {
        this.#options.logger.debug?.("session destroyed by a parallel request: not resurrected");
        return;
      }
      const version = known?.version ?? 0; // 0: not stored yet, as far as this process knows
      const written =
        version === 0
          ? await this.#call("set", (c) => c.createSession({ id, ...write, version: 1, createdAt: now }))
          : await this.#call("set", (c) => c.updateSession(id, version, write));
      if (written) {
        this.#known.remember(id, { version: version + 1, expiresAt });
        return;
      }
      // Lost a race (a parallel create or write) or the row went: look again.
      known = await this.#reread(id, known);
    }
    throw new SessionConflict(`The session kept changing: gave up after ${this.#options.maxSaveAttempts} attempts`);
  }

  /** The row as stored now; a row known to this process that is gone now was destroyed. */
  async #reread(id: string, known: KnownRow | undefined): Promise<KnownRow | undefined> {
    const row = await this.#call("set", (c) => c.getSession(id));
    if (row !== null) return { version: row.version, expiresAt: row.expiresAt };
    return known === undefined ? undefined : "destroyed";
  }

  async #touch(id: string, session: ExpressData): Promise<void> {
    const now = this.#options.clock();
    let known = this.#known.get(id);
    if (known === undefined) {
      const row = await this.#call("touch", (c) => c.getSession(id));
      if (row === null) return;
      known = { version: row.version, expiresAt: row.expiresAt };
    }
    if (known === "destroyed") return;
    const { expiresAt, lifetimeMs } = this.#deadline(session, now);
    if (known.expiresAt.getTime() - now.getTime() >= lifetimeMs / 2) return; // not due yet
    if (await this.#call("touch", (c) => c.touchSession(id, expiresAt, now))) {
      this.#known.remember(id, { ...known, expiresAt });
    }
  }

  async #all(): Promise<Record<string, ExpressData>> {
    const now = this.#options.clock();
    const sessions: Record<string, ExpressData> = {};
    let after: string | undefined;
    for (;;) {
      const page = await this.#call("all", () => this.#inventory.listSessions(now, PAGE_SIZE, after));
      for (const row of page) {
        const session = this.#parse(row.data);
        if (session !== null) sessions[row.id] = session;
      }
      after = page.at(-1)?.id;
      if (page.length < PAGE_SIZE || after === undefined) return sessions;
    }
  }

  /** The deadline the cookie asks for, or the idle timeout for a browser-session cookie. */
  #deadline(session: ExpressData, now: Date): { expiresAt: Date; browserSession: boolean; lifetimeMs: number } {
    const expires = session.cookie?.expires;
    const at = expires ? new Date(expires) : null;
    if (at !== null && !Number.isNaN(at.getTime())) {
      const maxAge = session.cookie.originalMaxAge;
      return { expiresAt: at, browserSession: false, lifetimeMs: maxAge ?? at.getTime() - now.getTime() };
    }
    const expiresAt = add(now, this.#options.policy.idleTimeout);
    return { expiresAt, browserSession: true, lifetimeMs: expiresAt.getTime() - now.getTime() };
  }

  #parse(text: string): ExpressData | null {
    try {
      const session: unknown = JSON.parse(text);
      if (isExpressData(session)) return session;
    } catch {
      // Not JSON: handled like a row of another shape below.
    }
    this.#options.logger.warn?.("stored session is not an express-session session; ignoring it");
    return null;
  }
}

function isExpressData(value: unknown): value is ExpressData {
  if (typeof value !== "object" || value === null) return false;
  const cookie: unknown = Reflect.get(value, "cookie");
  return typeof cookie === "object" && cookie !== null;
}
