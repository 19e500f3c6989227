export type { Duration, SessionCookieOptions, StorageErrorPolicy } from "../http/http-options.js";
export type { SessionHttpOptions } from "../http/session-http.js";
export {
  type ExpressSessionOptions,
  requestSession,
  type SessionMiddleware,
  session,
} from "../integrations/express.js";
export { ExpressSessionStore } from "../integrations/express-store.js";
export type { ExpressSessionStoreOptions } from "../integrations/express-store-options.js";
