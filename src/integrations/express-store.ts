import { add } from "date-fns";
import type { SessionData as ExpressData, Store } from "express-session";
import {
  isRotationMarker,
  type SessionConnector,
  type SessionInventory,
  type SessionSummary,
  type StoredSession,
} from "../connector.js";
import { isLive, touchIsDue } from "../expiry.js";
import type { ClientAddressPolicy } from "../http/client.js";
import { hashSessionKey } from "../keys.js";
import { writeSession } from "../save.js";
import { type ResolvedSessionOptions, resolveOptions } from "../session-options.js";
import { callConnector } from "../storage-call.js";
import { checkUserId } from "../user-id.js";
import { bridge, type Callback, storeBase } from "./express-session-bridge.js";
import { cookieExpiry, isExpressData, sessionClient } from "./express-session-data.js";
import type { ExpressSessionStoreOptions } from "./express-store-options.js";

/** Live rows `all()` reads per query. */
const PAGE_SIZE = 200;

/**
 * An express-session `Store` on a prisma-sessions connector: an existing express-session app
 * switches with one line (`store: new ExpressSessionStore({ connector: new PrismaConnector(prisma) })`)
 * and gains hashed keys at rest, a `touch` that writes the deadline only once half of the
 * lifetime has passed, writes that merge parallel requests key by key without P2002/P2025
 * crashes, no resurrection of a session destroyed by a parallel request, and per-user listing and
 * destroy. It saves through the same write engine as the native middleware.
 *
 * Rows are keyed by the SHA-256 digest of the session id; the id itself is never stored, so
 * `all()` keys its result by digest.
 *
 * Where it differs from the express-session `Store` contract, which says `set` upserts: `set` of
 * a session that was read (by `get`, as express-session does at the start of each request) is a
 * compare-and-swap on the row as read. When the row was destroyed or expired meanwhile, `set`
 * refuses with `SessionInterrupted` (a log-out is never undone by a late request); when another
 * request changed it meanwhile, this request's changes are merged onto it key by key. A `set` of a
 * session this store did not read creates the row, or merges into it if it exists.
 */
export class ExpressSessionStore extends storeBase() {
  readonly #options: ResolvedSessionOptions;
  readonly #inventory: SessionInventory;
  readonly #userId: ((session: ExpressData) => string | null | undefined) | undefined;
  readonly #addressPolicy: ClientAddressPolicy;
  /**
   * The row each session object was read as (or last written as). The object travels with the
   * request (express-session hands the very object `get` returned to `createSession`, and then
   * `req.session` to `set` and `touch`), so no per-process memory of rows is needed: a destroyed
   * row is noticed by the compare-and-swap itself, however many other sessions were served.
   */
  readonly #rows = new WeakMap<object, StoredSession>();

  constructor(options: ExpressSessionStoreOptions) {
    super();
    this.#options = resolveOptions({
      connector: options.connector,
      idleTimeout: options.idleTimeout ?? { days: 1 },
      // express-session has no absolute cap: the cookie's own deadline is the only one.
      absoluteTimeout: { years: 100 },
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    });
    this.#inventory = options.connector;
    this.#userId = options.userId;
    this.#addressPolicy = options.clientAddress ?? "truncated";
  }

  override get(sid: string, callback: Callback<ExpressData | null>): void {
    bridge(this.#get(sid), callback);
  }

  /** express-session's own, plus: the new `req.session` carries the row its data was read from. */
  override createSession(
    req: Parameters<Store["createSession"]>[0],
    session: ExpressData,
  ): ReturnType<Store["createSession"]> {
    const created = super.createSession(req, session);
    const row = this.#rows.get(session);
    if (row !== undefined) this.#rows.set(created, row);
    return created;
  }

  override set(sid: string, session: ExpressData, callback?: Callback<void>): void {
    bridge(this.#set(sid, session), callback);
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
      this.#call("destroy", (c) => c.destroySession(id)),
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
    const work = this.#call("clear", () => this.#inventory.destroyAllSessions()).then(() => undefined);
    bridge(work, callback);
  }

  /** The user's live sessions (needs the `userId` option), oldest first, without their data. */
  listUserSessions(userId: string): Promise<SessionSummary[]> {
    checkUserId(userId);
    const now = this.#options.clock();
    return this.#call("listUserSessions", (c) => c.listUserSessions(userId, now));
  }

  /**
   * Destroys the user's sessions ("log out everywhere"), or all but `except` (a session id, e.g.
   * `req.sessionID`: "log out other devices"). Needs the `userId` option. Returns how many went.
   */
  destroyUserSessions(userId: string, options: { except?: string } = {}): Promise<number> {
    checkUserId(userId);
    const exceptId = options.except === undefined ? undefined : hashSessionKey(options.except);
    return this.#call("destroyUserSessions", (c) => c.destroyUserSessions(userId, exceptId));
  }

  #call<T>(operation: string, call: (connector: SessionConnector) => Promise<T>): Promise<T> {
    return callConnector(this.#options, operation, call);
  }

  /** The row if it is a live session (not gone, expired or a rotation marker). */
  #live(row: StoredSession | null): row is StoredSession {
    return (
      row !== null &&
      !isRotationMarker(row) &&
      isLive(row.expiresAt, this.#options.clock(), this.#options.clockToleranceMs)
    );
  }

  async #get(sid: string): Promise<ExpressData | null> {
    const row = await this.#call("get", (c) => c.getSession(hashSessionKey(sid)));
    if (!this.#live(row)) return null;
    const session = this.#parse(row.data);
    if (session !== null) this.#rows.set(session, row);
    return session;
  }

  async #set(sid: string, session: ExpressData): Promise<void> {
    // What express-session stores are given to store: the session as JSON (its Cookie's toJSON).
    const plain: Record<string, unknown> = JSON.parse(JSON.stringify(session));
    const owner = this.#userId?.(session) ?? null;
    const { row } = await writeSession(this.#options, {
      id: hashSessionKey(sid),
      row: this.#rows.get(session) ?? null,
      data: new Map(Object.entries(plain)),
      expiry: cookieExpiry(session, this.#idleMs(), this.#options.clock()).choice,
      userId: { value: owner === null ? null : checkUserId(owner) },
      forced: false,
      client: sessionClient(session, this.#addressPolicy),
    });
    this.#rows.set(session, row);
  }

  async #touch(id: string, session: ExpressData): Promise<void> {
    const now = this.#options.clock();
    const row = this.#rows.get(session) ?? (await this.#call("touch", (c) => c.getSession(id)));
    if (!this.#live(row)) return;
    const { expiresAt, lifetimeMs } = cookieExpiry(session, this.#idleMs(), now);
    if (!touchIsDue(row.expiresAt, now, lifetimeMs) || expiresAt.getTime() <= row.expiresAt.getTime()) return;
    const client = sessionClient(session, this.#addressPolicy);
    const moved = client.userAgent !== row.userAgent || client.address !== row.clientAddress;
    if (await this.#call("touch", (c) => c.touchSession(id, expiresAt, now, moved ? client : undefined))) {
      const seen = moved ? { userAgent: client.userAgent, clientAddress: client.address } : {};
      this.#rows.set(session, { ...row, expiresAt, updatedAt: now, ...seen });
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

  /** The idle timeout in milliseconds (measured from now: a `Duration` in months varies). */
  #idleMs(): number {
    const now = this.#options.clock();
    return add(now, this.#options.policy.idleTimeout).getTime() - now.getTime();
  }

  #parse(text: string): ExpressData | null {
    try {
      const session: unknown = this.#options.serializer.parse(text);
      if (isExpressData(session)) return session;
    } catch {
      // Not readable: handled like a row of another shape below.
    }
    this.#options.logger.warn?.("stored session is not an express-session session; ignoring it");
    return null;
  }
}
