import type { ClientInfo, StoredSession } from "./connector.js";
import { ConnectorError, SessionError, SessionInterrupted } from "./errors.js";
import {
  computeDeadlines,
  type Deadlines,
  type ExpiryChoice,
  type ExpiryInput,
  initialDeadlines,
  parseExpiry,
  touchDeadline,
} from "./expiry.js";
import { generateSessionKey, hashSessionKey, isValidSessionKey, redactSessionKey } from "./keys.js";
import { writeSession } from "./save.js";
import { checkValue, serializeData } from "./serializer.js";
import type { SessionHooks, StoreContext, StoreOperation } from "./session-hooks.js";
import { adoptRow } from "./session-load.js";
import { type ResolvedSessionOptions, resolveOptions, type SessionOptions } from "./session-options.js";
import { callConnector } from "./storage-call.js";
import { checkUserId } from "./user-id.js";

/** The shape of session data. Narrow it with the type parameter of {@link SessionStore}. */
export type SessionData = Record<string, unknown>;

type Key<Data> = keyof Data & string;

/**
 * One session: a bag of data with lazy load, lazy save, expiry control and key rotation
 * (the TypeScript port of Duck's `SessionStore`).
 *
 * @example
 * const session = new SessionStore<{ cart: string[] }>(cookieValue, { connector });
 * await session.load();
 * session.set("cart", [...(session.get("cart") ?? []), "apple"]);
 * if (session.needsUpdate()) await session.save();
 * // send session.sessionKey back in the cookie
 */
export class SessionStore<Data extends SessionData = SessionData> {
  readonly #options: ResolvedSessionOptions;
  #key: string | null;
  #digest: { key: string; id: string } | null = null;
  #loaded: boolean;
  #modified = false;
  #data = new Map<string, unknown>();
  /** The row as last read or written; `null` for a session that is not stored (yet). */
  #row: StoredSession | null = null;
  #expiry: ExpiryChoice | undefined;
  #userId: { value: string | null } | undefined;
  #destroyed = false;
  #accessed = false;
  /** The key was rotated moments ago (its row is a rotation marker): no session, no writes. */
  #superseded = false;
  /** Storage failed and a hook chose to go on without a session: nothing more is written. */
  #offline = false;
  readonly #hooks: SessionHooks;
  readonly #client: ClientInfo | undefined;

  /**
   * @param sessionKey - the key from the cookie, or `null` for a new visitor. A value that is not
   *   a well-formed key is dropped at once: no query is ever made with it.
   * @param context - what an integration adds: hooks (see {@link SessionHooks}) and the client the
   *   request comes from (recorded for device lists).
   */
  constructor(
    sessionKey: string | null | undefined,
    options: SessionOptions | ResolvedSessionOptions,
    context: StoreContext = {},
  ) {
    this.#options = resolveOptions(options);
    this.#hooks = context.hooks ?? {};
    this.#client = context.client;
    this.#key = isValidSessionKey(sessionKey) ? sessionKey : null;
    this.#loaded = this.#key === null;
    if (sessionKey && this.#key === null) this.#options.logger.debug?.("malformed session key ignored");
  }

  /** A new random key: 32 URL-safe characters from Web Crypto (about 190 bits). */
  static generateSessionKey(): string {
    return generateSessionKey();
  }

  /**
   * Duck's name for {@link SessionStore.generateSessionKey}, kept as an alias: it returns a key
   * (what the cookie carries), not an id (the key's digest, what storage holds).
   */
  static generateSessionId(): string {
    return generateSessionKey();
  }

  /** The key to send in the cookie; `null` until the session has one. */
  get sessionKey(): string | null {
    return this.#key;
  }

  /** The storage id (SHA-256 digest) of the current key, as listed by `listUserSessions`. */
  get id(): string | null {
    return this.#key === null ? null : this.#idOf(this.#key);
  }

  /** Whether stored data has been read (always true for a session without a key). */
  get loaded(): boolean {
    return this.#loaded;
  }

  /** Whether data was changed through the API since the last load or save. Set it to force a save. */
  get modified(): boolean {
    return this.#modified;
  }

  set modified(value: boolean) {
    this.#accessed = true;
    this.#modified = value;
  }

  /** True after `destroy()` of this session: the cookie should be cleared. */
  get destroyed(): boolean {
    return this.#destroyed;
  }

  /**
   * True when the request's key was rotated moments ago (a log-in on another request moved the
   * session to a new key that this request's browser has not received yet): the store reads as
   * empty, writes throw `SessionInterrupted` with `reason: "rotated"`, and the cookie must be left
   * alone (the browser's new cookie is the right one). See the `rotationGrace` option.
   */
  get superseded(): boolean {
    return this.#superseded;
  }

  /**
   * Whether anything loaded, read or changed the session (its data, owner, expiry or key) since the
   * store was built: a response that did so depends on the cookie (`Vary: Cookie`).
   */
  get accessed(): boolean {
    return this.#accessed;
  }

  /** The owner of the session, for per-user listing and log-out-everywhere. */
  get userId(): string | null {
    this.#requireLoaded();
    return this.#userId ? this.#userId.value : (this.#row?.userId ?? null);
  }

  /**
   * Sets the owner: a non-empty string of at most 191 characters without NUL or lone surrogates
   * (what every database stores and compares exactly), or `null`.
   * @throws SessionError with code `INVALID_USER_ID`, before any query.
   */
  set userId(value: string | null) {
    this.#requireLoaded();
    this.#userId = { value: value === null ? null : checkUserId(value) };
  }

  /**
   * Reads the stored session. A second call is a no-op unless `force` is set, which discards
   * unsaved changes. An unknown or expired session loads as empty and gets a fresh key on save.
   */
  async load(options: { force?: boolean } = {}): Promise<Partial<Data>> {
    this.#accessed = true;
    if (this.#loaded && !options.force) return this.toJSON();
    this.#reset();
    if (this.#key !== null) {
      const key = this.#key;
      let row: StoredSession | null;
      try {
        row = await callConnector(this.#options, "load", (c) => c.getSession(this.#idOf(key)));
      } catch (error) {
        this.#goOffline(error, "load");
        return {};
      }
      const loaded = adoptRow(this.#options, key, row);
      if (loaded.kind === "none") this.#key = null;
      if (loaded.kind === "superseded") this.#superseded = true;
      if (loaded.kind === "session") [this.#row, this.#data] = [loaded.row, loaded.data];
    }
    this.#loaded = true;
    this.#hooks.afterLoad?.();
    return this.toJSON();
  }

  /** The value under `key`, or `undefined`. */
  get<K extends Key<Data>>(key: K): Data[K] | undefined {
    this.#requireLoaded();
    return this.#data.get(key) as Data[K] | undefined;
  }

  /** Stores `value` under `key`; throws `SessionError` (`UNSERIALIZABLE`) if it cannot be stored. */
  set<K extends Key<Data>>(key: K, value: Data[K]): this {
    this.#requireLoaded();
    checkValue(this.#options.serializer, key, value);
    this.#data.set(key, value);
    this.#modified = true;
    return this;
  }

  has(key: Key<Data>): boolean {
    this.#requireLoaded();
    return this.#data.has(key);
  }

  /** Removes `key`; returns whether it was there. */
  delete(key: Key<Data>): boolean {
    this.#requireLoaded();
    const existed = this.#data.delete(key);
    if (existed) this.#modified = true;
    return existed;
  }

  /** Sets several keys at once. */
  update(values: Partial<Data>): this {
    this.#requireLoaded();
    const entries = Object.entries(values);
    for (const [key, value] of entries) checkValue(this.#options.serializer, key, value);
    for (const [key, value] of entries) this.#data.set(key, value);
    if (entries.length > 0) this.#modified = true;
    return this;
  }

  /** Removes `key` and returns its value, or `fallback` when it was not there. */
  pop<K extends Key<Data>>(key: K, fallback?: Data[K]): Data[K] | undefined {
    this.#requireLoaded();
    if (!this.#data.has(key)) return fallback;
    const value = this.#data.get(key) as Data[K];
    this.#data.delete(key);
    this.#modified = true;
    return value;
  }

  /** Removes and returns the most recently inserted entry, or `undefined` when empty. */
  popItem(): [Key<Data>, Data[Key<Data>]] | undefined {
    this.#requireLoaded();
    const last = [...this.#data.keys()].at(-1);
    if (last === undefined) return undefined;
    const value = this.#data.get(last) as Data[Key<Data>];
    this.#data.delete(last);
    this.#modified = true;
    return [last as Key<Data>, value];
  }

  /** Removes every key (a log-out keeps the row; use `destroy()` to end the session). */
  clear(): void {
    this.#requireLoaded();
    if (this.#data.size > 0) this.#modified = true;
    this.#data.clear();
  }

  keys(): IterableIterator<Key<Data>> {
    this.#requireLoaded();
    return this.#data.keys() as IterableIterator<Key<Data>>;
  }

  values(): IterableIterator<Data[Key<Data>]> {
    this.#requireLoaded();
    return this.#data.values() as IterableIterator<Data[Key<Data>]>;
  }

  entries(): IterableIterator<[Key<Data>, Data[Key<Data>]]> {
    this.#requireLoaded();
    return this.#data.entries() as IterableIterator<[Key<Data>, Data[Key<Data>]]>;
  }

  [Symbol.iterator](): IterableIterator<[Key<Data>, Data[Key<Data>]]> {
    return this.entries();
  }

  get size(): number {
    this.#requireLoaded();
    return this.#data.size;
  }

  /** A plain-object copy of the data. */
  toJSON(): Partial<Data> {
    this.#requireLoaded();
    return Object.fromEntries(this.#data) as Partial<Data>;
  }

  /**
   * Whether `save()` would write: data changed (through the API or in place), the key rotated,
   * the expiry or owner changed, or the throttled deadline extension is due.
   */
  needsUpdate(): boolean {
    if (this.#offline) return false;
    if (!this.#loaded) return this.#modified;
    return this.#pending() !== null;
  }

  /**
   * What `save()` has to write: `null` for nothing, else the serialized data when deciding needed
   * it (the save reuses it instead of serializing again).
   */
  #pending(): { text?: string } | null {
    if (this.#modified || this.#expiry !== undefined || this.#userId !== undefined) return {};
    if (this.#row === null) return null;
    if (this.#key !== null && this.#idOf(this.#key) !== this.#row.id) return {};
    const touchDue = touchDeadline(this.#options.policy, this.#row, this.#options.clock()) !== null;
    // Only an object value can have been changed in place: with none, the data is what was loaded
    // (and serializing it, the costliest part of an unchanged request, is not needed to know).
    if (!this.#holdsObjects()) return touchDue ? {} : null;
    const text = serializeData(this.#options.serializer, Object.fromEntries(this.#data));
    if (text !== this.#row.data) return { text };
    return touchDue ? { text } : null;
  }

  /** The storage id of `key`, remembered for the last key asked about (a request hashes its key once). */
  #idOf(key: string): string {
    if (this.#digest?.key !== key) this.#digest = { key, id: hashSessionKey(key) };
    return this.#digest.id;
  }

  #holdsObjects(): boolean {
    for (const value of this.#data.values()) if (typeof value === "object" && value !== null) return true;
    return false;
  }

  /**
   * Writes the session if anything is to be written (see {@link needsUpdate}), loading it first
   * if needed. Concurrent writers are merged key by key; see the README for the conflict rules.
   * @throws SessionExpired when a custom expiry is already past.
   * @throws SessionInterrupted when the session was destroyed meanwhile.
   * @throws SessionConflict after `maxSaveAttempts` lost compare-and-swaps.
   */
  async save(): Promise<void> {
    if (!this.#loaded) {
      const forced = this.#modified; // `modified = true` before load still forces the save
      await this.load();
      this.#modified = forced;
    }
    if (this.#offline) return;
    const pending = this.#pending();
    if (pending === null) return;
    this.#refuseSuperseded();
    this.#hooks.beforeWrite?.("save");
    // A new session's key is made here, unless assignNewSessionKey() chose it already.
    const key = this.#key ?? generateSessionKey();
    let result: Awaited<ReturnType<typeof writeSession>>;
    try {
      result = await writeSession(this.#options, {
        ...pending,
        id: this.#idOf(key),
        row: this.#row,
        data: this.#data,
        expiry: this.#expiry,
        userId: this.#userId,
        forced: this.#modified,
        client: this.#client,
      });
    } catch (error) {
      this.#goOffline(error, "save");
      return;
    }
    this.#key = key;
    this.#row = result.row;
    this.#data = result.data;
    this.#modified = false;
    this.#expiry = undefined;
    this.#userId = undefined;
    this.#destroyed = false;
    this.#hooks.afterWrite?.("save");
  }

  /**
   * Deletes a stored session. Without an argument (or with the current key) it ends this session:
   * data cleared, key dropped, `destroyed` set. With another key it deletes that one only.
   */
  async destroy(sessionKey?: string): Promise<void> {
    if (sessionKey !== undefined && sessionKey !== this.#key) {
      if (isValidSessionKey(sessionKey)) {
        await callConnector(this.#options, "destroy", (c) => c.destroySession(hashSessionKey(sessionKey)));
      }
      return;
    }
    this.#accessed = true;
    this.#refuseSuperseded();
    this.#hooks.beforeWrite?.("destroy");
    // The stored row (whose id differs from the current key's after a pending rotation), or the
    // key's row when nothing was loaded.
    const id = this.#row?.id ?? (this.#key === null ? null : this.#idOf(this.#key));
    if (id !== null) {
      try {
        await callConnector(this.#options, "destroy", (c) => c.destroySession(id));
      } catch (error) {
        if (error instanceof ConnectorError) this.#hooks.storageFailed?.(error, "destroy");
        throw error; // a log-out that did not happen is never reported as done
      }
    }
    this.#reset();
    this.#key = null;
    this.#loaded = true;
    this.#destroyed = true;
    this.#hooks.afterWrite?.("destroy");
  }

  /** Whether a live session is stored under `sessionKey` (default: the current key). */
  async exists(sessionKey: string | null = this.#key): Promise<boolean> {
    if (!isValidSessionKey(sessionKey)) return false;
    const row = await callConnector(this.#options, "exists", (c) => c.getSession(hashSessionKey(sessionKey)));
    return adoptRow(this.#options, sessionKey, row).kind === "session";
  }

  /**
   * Rotates the key (after log-in, against fixation): keeps the data, loading it first, and the
   * next save moves the row to the new key in one statement. Returns the new key.
   */
  async assignNewSessionKey(): Promise<string> {
    this.#accessed = true;
    if (!this.#loaded) await this.load();
    this.#key = generateSessionKey();
    this.#modified = true;
    return this.#key;
  }

  /**
   * Sets this session's expiry: seconds from now, a `Date`, a date-fns `Duration` from now,
   * `0` for "until the browser closes" (the idle timeout still applies on the server), or
   * `null`/`undefined` to return to the default policy. A time in the past makes `save()` throw.
   */
  setExpiry(value?: ExpiryInput): void {
    this.#requireLoaded();
    this.#expiry = parseExpiry(value, this.#options.clock());
  }

  /** When the session ends if nothing else happens. Never modifies the session. */
  getExpiryDate(): Date {
    return this.#deadlines().expiresAt;
  }

  /** Whole seconds until {@link getExpiryDate}, `0` once past. */
  getExpiryAge(): number {
    const left = this.getExpiryDate().getTime() - this.#options.clock().getTime();
    return Math.max(0, Math.floor(left / 1000));
  }

  /** Whether the cookie should live only until the browser closes. */
  getExpireAtBrowserClose(): boolean {
    return this.#deadlines().browserSession;
  }

  /** Whether the deadline has passed. Never modifies the session. */
  sessionExpired(): boolean {
    return this.getExpiryDate().getTime() <= this.#options.clock().getTime();
  }

  toString(): string {
    const keys = this.#loaded ? [...this.#data.keys()].join(", ") : "not loaded";
    return `SessionStore(key=${redactSessionKey(this.#key)}, data=[${keys}])`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  #deadlines(): Deadlines {
    this.#requireLoaded();
    if (this.#row !== null && this.#expiry === undefined) return this.#row;
    const now = this.#options.clock();
    const previous = this.#row ?? initialDeadlines(this.#options.policy, now);
    return computeDeadlines(this.#options.policy, this.#expiry ?? { kind: "default" }, now, previous);
  }

  /**
   * A storage failure: thrown, unless a hook chooses to go on without a session, in which case the
   * store writes nothing more, and after a failed load forgets its key (storage keeps the session).
   */
  #goOffline(error: unknown, operation: StoreOperation): void {
    if (!(error instanceof ConnectorError) || this.#hooks.storageFailed?.(error, operation) !== true) throw error;
    this.#offline = true;
    if (operation !== "load") return; // a failed save keeps what the handler sees
    this.#reset();
    this.#key = null;
    this.#loaded = true;
  }

  #refuseSuperseded(): void {
    if (!this.#superseded) return;
    throw new SessionInterrupted(
      "This request's session key was rotated moments ago (a log-in elsewhere): nothing is written under it",
      { reason: "rotated" },
    );
  }

  #reset(): void {
    this.#superseded = false;
    this.#data = new Map();
    this.#row = null;
    this.#modified = false;
    this.#expiry = undefined;
    this.#userId = undefined;
  }

  #requireLoaded(): void {
    this.#accessed = true;
    if (!this.#loaded) {
      throw new SessionError("The session has not been loaded: call `await session.load()` first", "NOT_LOADED");
    }
  }
}
