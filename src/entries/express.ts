export type { Duration, SessionCookieOptions, StorageErrorPolicy } from "../http/http-options.js";
export type { SessionHttpOptions } from "../http/session-http.js";
export {
  type ExpressSessionOptions,
  requestSession,
  type SessionMiddleware,
  session,
} from "../integrations/express.js";
