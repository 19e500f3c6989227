export type { Duration, SessionCookieOptions, StorageErrorPolicy } from "../http/http-options.js";
export {
  type FastifySessionData,
  type FastifySessionOptions,
  type FastifySessionTypes,
  sessionPlugin,
} from "../integrations/fastify.js";
