export type { Duration } from "../duration.js";
export type { SessionCookieOptions, StorageErrorPolicy } from "../http/http-options.js";
export {
  type HonoSessionMiddleware,
  type HonoSessionOptions,
  honoSession,
  type SessionVariables,
} from "../integrations/hono.js";
