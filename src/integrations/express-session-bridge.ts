import { createRequire } from "node:module";
import type { Store } from "express-session";
import { ConfigError } from "../errors.js";

/** An express-session callback: an error, or `null` and the value. */
export type Callback<T> = (error: unknown, value?: T) => void;

/** The one bridge from the async core to express-session's callbacks. */
export function bridge<T>(work: Promise<T>, callback: Callback<T> | undefined): void {
  work.then(
    (value) => callback?.(null, value),
    (error: unknown) => callback?.(error),
  );
}

const require = createRequire(import.meta.url);

/**
 * express-session's `Store`, to extend. express-session is an optional peer: without it
 * `prisma-sessions/express-session` still loads, and only building an `ExpressSessionStore`
 * fails, saying what to install.
 */
export function storeBase(): typeof Store {
  try {
    const expressSession: typeof import("express-session") = require("express-session");
    return expressSession.Store;
  } catch (cause) {
    class MissingExpressSession {
      constructor() {
        throw new ConfigError("ExpressSessionStore needs express-session: npm install express-session", { cause });
      }
    }
    // Never instantiable: its constructor throws before any Store method could be missed.
    return MissingExpressSession as unknown as typeof Store;
  }
}
