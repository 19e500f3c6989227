/** The command was called wrongly (unknown flag, bad value, unsupported URL): exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

function field(value: object, key: string): unknown {
  return Reflect.get(value, key);
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

const OWN_ERRORS = new Set(["UsageError", "MissingDriverError"]);

/** Socket-level codes (Node's, and mariadb's own timeout) that mean the server never answered. */
const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ETIMEDOUT",
  "ECONNRESET",
  "ER_CONNECTION_TIMEOUT",
]);

/** The error and its `cause`s, outermost first. */
function chain(error: unknown): object[] {
  const found: object[] = [];
  for (
    let next = error;
    typeof next === "object" && next !== null && !found.includes(next);
    next = field(next, "cause")
  ) {
    found.push(next);
  }
  return found;
}

/** Words for a Prisma driver adapter's mapped error (`DriverAdapterError.cause`). */
function describeMapped(mapped: object): string | undefined {
  const get = (key: string) => field(mapped, key);
  const original = text(get("originalMessage"));
  switch (get("kind")) {
    case "DatabaseNotReachable":
      return `cannot reach the database server at ${String(get("host"))}:${String(get("port"))}`;
    case "DatabaseDoesNotExist":
      return `database "${String(get("db"))}" does not exist`;
    case "DatabaseAccessDenied":
    case "AuthenticationFailed":
      return `access denied: ${original ?? `authentication failed for user "${String(get("user"))}"`}`;
    case "TableDoesNotExist":
      return `table "${String(get("table"))}" does not exist (wrong --table, or the sessions migration has not run)`;
    case "ColumnNotFound":
      return `column "${String(get("column"))}" does not exist: the table lacks prisma-sessions' columns (id, expires_at, user_id)`;
    case "ConnectionClosed":
      return "the database closed the connection";
    case "SocketTimeout":
      return "the database did not answer in time";
    case "TlsConnectionError":
      return `TLS connection failed: ${String(get("reason"))}`;
    case "TooManyConnections":
      return `too many connections: ${String(get("cause"))}`;
    default:
      return original ?? text(get("message")) ?? text(get("cause"));
  }
}

/**
 * The database's complaint in words, for a person reading cron mail: Prisma adapters' mapped
 * errors by kind, the drivers' own messages otherwise (mariadb's `text` lacks its code prefix).
 */
export function describeError(error: unknown): string {
  // The command's own errors already say what to do (e.g. which driver to install).
  if (error instanceof Error && OWN_ERRORS.has(error.name)) return error.message;
  const errors = chain(error);
  for (const item of errors) {
    const mapped = field(item, "name") === "DriverAdapterError" ? field(item, "cause") : undefined;
    if (typeof mapped === "object" && mapped !== null) {
      const words = describeMapped(mapped);
      if (words !== undefined) return words;
    }
  }
  const innermost = errors.at(-1);
  if (innermost === undefined) return String(error);
  const message = text(field(innermost, "text")) ?? text(field(innermost, "message")) ?? String(innermost);
  const code = field(innermost, "code");
  if (code === "SQLITE_CANTOPEN") return `cannot open the SQLite database file: ${message}`;
  if (typeof code === "string" && UNREACHABLE.has(code)) return `cannot reach the database server: ${message}`;
  return message;
}
