export type { Duration, SessionCookieOptions, StorageErrorPolicy } from "../http/http-options.js";
export {
  type HonoSessionMiddleware,
  type HonoSessionOptions,
  honoSession,
  type SessionVariables,
} from "../integrations/hono.js";
