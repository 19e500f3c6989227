import { ConnectorError } from "../errors.js";
import type { ResolvedSessionOptions } from "../session-options.js";
import { type SessionData, SessionStore } from "../session-store.js";
import type { StorageErrorPolicy } from "./http-options.js";

/** A deadline in ms since the epoch, and whether the cookie ends with the browser session. */
export interface LoadedExpiry {
  expiresAt: number;
  browserSession: boolean;
}

/**
 * The `SessionStore` the HTTP layer puts on a request. It behaves exactly like a `SessionStore`
 * and remembers what the end of the request needs: whether storage failed, and the deadline as
 * loaded (to tell whether the cookie's expiry must be re-sent).
 */
export class RequestSession<Data extends SessionData = SessionData> extends SessionStore<Data> {
  readonly #policy: StorageErrorPolicy;
  readonly #answersForItself: boolean;
  #storageError: ConnectorError | null = null;
  #surfaced = false;
  #loadedExpiry: LoadedExpiry | null = null;

  /**
   * @param answersForItself - the integration replaces the response when storage fails (the Node
   *   layer holds it): a failed load then never throws, under either policy, so the handler runs on
   *   with an empty session that is never saved, and the one answer (503, or the handler's own under
   *   fail-open) and the one log line come at the end of the request, not through `next(err)`.
   */
  constructor(
    sessionKey: string | null,
    options: ResolvedSessionOptions,
    policy: StorageErrorPolicy,
    answersForItself = true,
  ) {
    super(sessionKey, options);
    this.#policy = policy;
    this.#answersForItself = answersForItself;
  }

  /** The first storage failure of this request, if any. */
  get storageError(): ConnectorError | null {
    return this.#storageError;
  }

  /** Whether a storage failure was thrown to the application (which then reports it itself). */
  get storageErrorSurfaced(): boolean {
    return this.#surfaced;
  }

  /** The expiry of the stored session as loaded; `null` before that or when nothing was stored. */
  get loadedExpiry(): LoadedExpiry | null {
    return this.#loadedExpiry;
  }

  /** Under fail-open, an unreachable storage loads as an empty session that will not be saved. */
  override async load(options: { force?: boolean } = {}): Promise<Partial<Data>> {
    try {
      const data = await super.load(options);
      this.#loadedExpiry =
        this.sessionKey === null
          ? null
          : { expiresAt: this.getExpiryDate().getTime(), browserSession: this.getExpireAtBrowserClose() };
      return data;
    } catch (error) {
      this.#record(error, this.#answersForItself); // rethrows unless fail-open or the response is ours
      this.detach();
      return {};
    }
  }

  /** After a storage failure (under fail-open) nothing is written: this request has no session. */
  override needsUpdate(): boolean {
    return this.#storageError === null && super.needsUpdate();
  }

  /**
   * Under fail-open, a save that cannot reach storage is dropped (and logged at the end of the
   * request), and after a failed load nothing is saved at all: this request has no session.
   */
  override async save(): Promise<void> {
    try {
      if (!this.loaded) {
        // Loaded here, not inside super.save(), so that a fail-open load stops the save too.
        const forced = this.modified;
        await this.load();
        this.modified = forced;
      }
      if (this.#storageError === null) await super.save();
    } catch (error) {
      this.#record(error, false);
    }
  }

  override async destroy(sessionKey?: string): Promise<void> {
    try {
      await super.destroy(sessionKey);
    } catch (error) {
      // A log-out that did not happen is never reported as done, whatever the policy.
      if (error instanceof ConnectorError) {
        this.#storageError ??= error;
        this.#surfaced = true;
      }
      throw error;
    }
  }

  /**
   * Remembers a storage failure; rethrows anything else, and storage failures unless fail-open
   * or `keep` (the response will say it).
   */
  #record(error: unknown, keep: boolean): void {
    if (!(error instanceof ConnectorError)) throw error;
    this.#storageError ??= error;
    if (this.#policy === "fail-open" || keep) return;
    this.#surfaced = true;
    throw error;
  }
}
