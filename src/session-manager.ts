import type { SessionSummary } from "./connector.js";
import { type DeviceInfo, describeDevice } from "./devices.js";
import { hashSessionKey, isValidSessionKey } from "./keys.js";
import type { StoreContext } from "./session-hooks.js";
import { type ResolvedSessionOptions, resolveOptions, type SessionOptions } from "./session-options.js";
import { type SessionData, SessionStore } from "./session-store.js";
import { callConnector } from "./storage-call.js";
import { checkUserId } from "./user-id.js";

/** A session in a device list: what storage holds of it, the device read from its User-Agent, and when it was last seen. */
export interface UserSession extends SessionSummary {
  device: DeviceInfo;
  /** The session's last write (creation, a change, or the throttled deadline extension). */
  lastSeenAt: Date;
}

function withDevice(row: SessionSummary): UserSession {
  return { ...row, device: describeDevice(row.userAgent), lastSeenAt: row.updatedAt };
}

/**
 * Holds the options shared by an application's sessions, opens stores, and runs the per-user
 * operations ("your devices", log out everywhere).
 *
 * @example
 * const sessions = new SessionManager<{ cart: string[] }>({ connector: new PrismaConnector(prisma) });
 * const session = sessions.open(cookieValue);
 */
export class SessionManager<Data extends SessionData = SessionData> {
  readonly options: ResolvedSessionOptions;

  constructor(options: SessionOptions) {
    this.options = resolveOptions(options);
  }

  /**
   * A store for the key from a cookie (`null`/`undefined`/malformed: a new session). `context` adds
   * hooks and the client the request comes from (see {@link StoreContext}).
   */
  open(sessionKey?: string | null, context: StoreContext = {}): SessionStore<Data> {
    return new SessionStore<Data>(sessionKey, this.options, context);
  }

  /**
   * The user's live sessions, oldest first, without their data. Ids are key digests.
   * @throws SessionError with code `INVALID_USER_ID` for an id no session can have (see `userId`).
   */
  async listUserSessions(userId: string): Promise<UserSession[]> {
    checkUserId(userId);
    const now = this.options.clock();
    const rows = await callConnector(this.options, "listUserSessions", (c) => c.listUserSessions(userId, now));
    return rows.map(withDevice);
  }

  /**
   * Ends every session of the user ("log out everywhere"), or all but `except` ("log out other
   * devices"). Returns how many were removed.
   */
  async destroyUserSessions(userId: string, options: { except?: SessionStore<Data> } = {}): Promise<number> {
    checkUserId(userId);
    const exceptId = options.except?.id ?? undefined;
    return callConnector(this.options, "destroyUserSessions", (c) => c.destroyUserSessions(userId, exceptId));
  }

  /** Ends one session by its id (from {@link listUserSessions}); a missing one is not an error. */
  async destroySessionById(id: string): Promise<void> {
    await callConnector(this.options, "destroySessionById", (c) => c.destroySession(id));
  }

  /** The storage id of a key, to mark the current session in a listing. `null` if malformed. */
  idOf(sessionKey: string): string | null {
    return isValidSessionKey(sessionKey) ? hashSessionKey(sessionKey) : null;
  }
}
