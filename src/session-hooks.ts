import type { ClientInfo } from "./connector.js";
import type { ConnectorError } from "./errors.js";

/** What a store was doing when a hook was called. */
export type StoreOperation = "load" | "save" | "destroy";

/**
 * Policy an integration adds around a {@link SessionStore} (composition, not subclassing): the
 * HTTP layer decides what a storage outage means for a request, Next.js refuses writes where it
 * cannot send cookies and sends them after a save. Every hook is optional.
 */
export interface SessionHooks {
  /**
   * A storage failure (`ConnectorError`, timeouts included). Return `true` to go on without a
   * session: the store forgets its key and data and writes nothing more. Otherwise, and always
   * for `destroy` (a log-out never looks done when it is not), the error is thrown.
   */
  storageFailed?(error: ConnectorError, operation: StoreOperation): boolean;
  /** Before a write reaches storage: throw to refuse it, and nothing is written. */
  beforeWrite?(operation: Exclude<StoreOperation, "load">): void;
  /** After the store read its row (or found there was none). */
  afterLoad?(): void;
  /** After a write: a save that wrote, or a destroy of this session. */
  afterWrite?(operation: Exclude<StoreOperation, "load">): void;
}

/** What an integration knows of the request a store serves. */
export interface StoreContext {
  /** Policy around the store; see {@link SessionHooks}. */
  hooks?: SessionHooks;
  /**
   * The client the request comes from: recorded with the session's writes (its creation, changes
   * and the throttled deadline extension, never a write of its own) for device lists.
   */
  client?: ClientInfo;
}
