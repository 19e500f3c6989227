export type { Duration, SessionCookieOptions, StorageErrorPolicy } from "../http/http-options.js";
export {
  type NextSessions,
  type NextSessionsOptions,
  nextSessions,
  type RequestWithSession,
} from "../integrations/next.js";
export type { NextSession } from "../integrations/next-app.js";
export type { NextCookie, NextCookieStore } from "../integrations/next-headers.js";
export type { ProxyResponse } from "../integrations/next-proxy.js";
