import { serialize } from "cookie";
import { ConfigError } from "../errors.js";
import type { SessionLogger } from "../session-options.js";
import type { ClientAddressPolicy } from "./client.js";

/** The duration type the HTTP options take (date-fns' shape), re-exported with them for every HTTP entry. */
export type { Duration } from "../duration.js";

/** Attributes of the session cookie. The defaults are the safe ones. */
export interface SessionCookieOptions {
  /** The cookie's name. @default "session_id" */
  name?: string;
  /** `Domain`: set it to share the cookie with subdomains. @default none (host-only) */
  domain?: string;
  /** `Path`. @default "/" */
  path?: string;
  /** `SameSite`. `"none"` needs `Secure`. @default "lax" */
  sameSite?: "lax" | "strict" | "none";
  /**
   * `Secure`. `"auto"` sends it always outside `NODE_ENV=development`, and in development when the
   * request came over HTTPS (behind a TLS proxy, as Express's `trust proxy` setting tells).
   * @default "auto"
   */
  secure?: boolean | "auto";
  /** `HttpOnly`: scripts cannot read the cookie. @default true */
  httpOnly?: boolean;
}

/** What the HTTP layer does when session storage is unreachable (`ConnectorError`). */
export type StorageErrorPolicy = "fail-closed" | "fail-open";

/** Options of the HTTP layer, on top of the core {@link SessionOptions}. */
export interface HttpSessionOptions {
  /** The session cookie's name and attributes. */
  cookie?: SessionCookieOptions;
  /**
   * Secrets that sign the cookie (HMAC-SHA256). The first signs; every one verifies, so a new
   * secret goes first and the old one stays until the cookies it signed have expired. A cookie
   * whose signature does not verify is no session and costs no query.
   * @default none: the cookie carries the bare key (190 random bits, stored hashed)
   * @example secrets: [process.env.SESSION_SECRET, process.env.OLD_SESSION_SECRET]
   */
  secrets?: readonly string[];
  /**
   * When a load or save cannot reach storage: `"fail-closed"` answers 503 Service Unavailable;
   * `"fail-open"` serves the request without a session (an empty one that is neither saved nor
   * sent) and leaves the cookie alone. Both log the cause through `logger.error`, or
   * `console.error` when no logger is configured.
   * @default "fail-closed"
   */
  onStorageError?: StorageErrorPolicy;
  /**
   * How much of the client's address sessions record for device lists (with the User-Agent):
   * `"full"`, `"truncated"` (IPv4 to its /24, IPv6 to its /48: a coarse location) or `"none"`.
   * Express's `req.ip` is used when present (it honours `trust proxy`), else the socket's address;
   * on Next.js, the first `X-Forwarded-For` entry. @default "truncated"
   */
  clientAddress?: ClientAddressPolicy;
}

/** HTTP options with every default filled in, validated once. */
export interface ResolvedHttpOptions {
  readonly name: string;
  readonly domain: string | undefined;
  readonly path: string;
  readonly sameSite: "lax" | "strict" | "none";
  /** `"https"`: only when the request came over HTTPS. */
  readonly secure: "always" | "never" | "https";
  readonly httpOnly: boolean;
  readonly secrets: readonly string[];
  readonly onStorageError: StorageErrorPolicy;
  readonly clientAddress: ClientAddressPolicy;
  readonly logger: Required<Pick<SessionLogger, "error">> & SessionLogger;
}

const POLICIES: readonly StorageErrorPolicy[] = ["fail-closed", "fail-open"];
const ADDRESS_POLICIES: readonly ClientAddressPolicy[] = ["full", "truncated", "none"];

function secureMode(value: boolean | "auto"): ResolvedHttpOptions["secure"] {
  if (value === true) return "always";
  if (value === false) return "never";
  // `process` is missing on runtimes with web APIs only (Workers); there NODE_ENV is unset.
  const environment = typeof process === "undefined" ? undefined : process.env.NODE_ENV;
  return environment === "development" ? "https" : "always";
}

function outageLogger(logger: SessionLogger): ResolvedHttpOptions["logger"] {
  // Outages are never silent: without a configured logger they go to the console.
  if (logger.error) return { ...logger, error: logger.error.bind(logger) };
  return { ...logger, error: (message, meta) => console.error(`prisma-sessions: ${message}`, meta ?? "") };
}

/** Validates the HTTP options and fills in defaults (the one place they live). */
export function resolveHttpOptions(input: HttpSessionOptions, logger: SessionLogger): ResolvedHttpOptions {
  const cookie = input.cookie ?? {};
  const resolved: ResolvedHttpOptions = {
    name: cookie.name ?? "session_id",
    domain: cookie.domain,
    path: cookie.path ?? "/",
    sameSite: cookie.sameSite ?? "lax",
    secure: secureMode(cookie.secure ?? "auto"),
    httpOnly: cookie.httpOnly ?? true,
    secrets: [...(input.secrets ?? [])],
    onStorageError: input.onStorageError ?? "fail-closed",
    clientAddress: input.clientAddress ?? "truncated",
    logger: outageLogger(logger),
  };
  if (!ADDRESS_POLICIES.includes(resolved.clientAddress)) {
    throw new ConfigError(`clientAddress must be "full", "truncated" or "none", not ${String(resolved.clientAddress)}`);
  }
  if (!POLICIES.includes(resolved.onStorageError)) {
    throw new ConfigError(
      `onStorageError must be "fail-closed" or "fail-open", not ${String(resolved.onStorageError)}`,
    );
  }
  if (resolved.secrets.some((secret) => typeof secret !== "string" || secret.length === 0)) {
    throw new ConfigError("Every entry of secrets must be a non-empty string");
  }
  if (resolved.sameSite === "none" && resolved.secure === "never") {
    throw new ConfigError('cookie.sameSite "none" needs cookie.secure: browsers refuse the cookie otherwise');
  }
  try {
    // The cookie package validates name, domain and path; fail at start-up rather than per request.
    serialize(resolved.name, "x", { path: resolved.path, ...(resolved.domain ? { domain: resolved.domain } : {}) });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(`Invalid session cookie option: ${reason}`, { cause: error });
  }
  return Object.freeze(resolved);
}
