// express-session's session objects as the store reads them: is a stored value one, and what
// deadline does its cookie ask for.
import type { SessionData as ExpressData } from "express-session";
import type { ClientInfo } from "../connector.js";
import type { ExpiryChoice } from "../expiry.js";
import { type ClientAddressPolicy, clientInfo } from "../http/client.js";

/**
 * The deadline the cookie asks for (a fixed one: express-session moves `cookie.expires` itself),
 * or the sliding idle timeout for a browser-session cookie; and the lifetime the touch rule
 * measures halves of.
 */
export function cookieExpiry(
  session: ExpressData,
  idleMs: number,
  now: Date,
): { choice: ExpiryChoice; expiresAt: Date; lifetimeMs: number } {
  const expires = session.cookie?.expires;
  const at = expires ? new Date(expires) : null;
  if (at !== null && !Number.isNaN(at.getTime())) {
    const maxAge = session.cookie.originalMaxAge;
    return { choice: { kind: "at", at }, expiresAt: at, lifetimeMs: maxAge ?? at.getTime() - now.getTime() };
  }
  return { choice: { kind: "browser" }, expiresAt: new Date(now.getTime() + idleMs), lifetimeMs: idleMs };
}

/** Whether a parsed row is an express-session session (it has a `cookie` object). */
export function isExpressData(value: unknown): value is ExpressData {
  if (typeof value !== "object" || value === null) return false;
  const cookie: unknown = Reflect.get(value, "cookie");
  return typeof cookie === "object" && cookie !== null;
}

/** The client of the request a session object belongs to (express-session's `Session#req`). */
export function sessionClient(session: ExpressData, policy: ClientAddressPolicy): ClientInfo {
  const req: unknown = Reflect.get(session, "req");
  if (typeof req !== "object" || req === null) return { userAgent: null, address: null };
  const headers: unknown = Reflect.get(req, "headers");
  const agent: unknown =
    typeof headers === "object" && headers !== null ? Reflect.get(headers, "user-agent") : undefined;
  const ip: unknown = Reflect.get(req, "ip");
  return clientInfo(typeof agent === "string" ? agent : null, typeof ip === "string" ? ip : null, policy);
}
