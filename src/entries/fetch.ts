export {
  applyOutcome,
  beginFetch,
  type HeaderReader,
  replacementResponse,
  requestIsHttps,
  settleFetch,
} from "../http/fetch.js";
export type { Duration, SessionCookieOptions, StorageErrorPolicy } from "../http/http-options.js";
export { SessionHttp, type SessionHttpOptions } from "../http/session-http.js";
export type { SessionExchange, SessionOutcome } from "../http/settle.js";
export {
  type FetchSessions,
  type FetchSessionsOptions,
  fetchSessions,
  type SessionHandler,
} from "../integrations/fetch.js";
