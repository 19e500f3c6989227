import type { SessionData as ExpressData } from "express-session";
import type { Clock } from "../clock.js";
import type { SessionConnector, SessionInventory } from "../connector.js";
import type { Duration } from "../duration.js";
import type { ClientAddressPolicy } from "../http/client.js";
import type { SessionLogger } from "../session-options.js";

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
  /**
   * How much of the client's address sessions record for device lists, with the User-Agent (read
   * from the request express-session hands the store). @default "truncated"
   */
  clientAddress?: ClientAddressPolicy;
  /** Source of "now". @default the system clock */
  clock?: Clock;
}
