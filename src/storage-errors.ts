import { inErrorChain } from "./error-chain.js";

/** Driver-adapter error kinds (Prisma 7's `DriverAdapterError`) that mean "this value was refused". */
const DATA_KINDS = new Set([
  "LengthMismatch",
  "NullConstraintViolation",
  "ForeignKeyConstraintViolation",
  "ValueOutOfRange",
  "InconsistentColumnData",
  "UnsupportedNativeDataType",
]);

/** MySQL/MariaDB errors about a value: too long, wrong string, null, out of range, bad date, foreign key. */
const MYSQL_DATA_CODES = new Set([1048, 1264, 1292, 1366, 1406, 1452, 3140, 4025]);

/** SQLite primary codes about a value: TOOBIG, CONSTRAINT, MISMATCH (extended codes keep them in the low byte). */
const SQLITE_DATA_CODES = new Set([18, 19, 20]);

/** Prisma's own codes for refused values (when no driver error says more). */
const PRISMA_DATA_CODES = new Set(["P2000", "P2006", "P2007", "P2011", "P2012", "P2019", "P2020", "P2023"]);

function isDataLink(link: object): boolean {
  const kind: unknown = Reflect.get(link, "kind");
  if (typeof kind === "string" && DATA_KINDS.has(kind)) return true;
  const code: unknown = Reflect.get(link, "code");
  if (kind === "postgres") {
    // SQLSTATE class 22 (data exception) and 23 (integrity constraint violation).
    return typeof code === "string" && (code.startsWith("22") || code.startsWith("23"));
  }
  if (kind === "mysql") return MYSQL_DATA_CODES.has(Number(code));
  if (kind === "sqlite") return SQLITE_DATA_CODES.has(Number(Reflect.get(link, "extendedCode")) & 0xff);
  return typeof code === "string" && PRISMA_DATA_CODES.has(code);
}

/**
 * Whether a storage failure is the database refusing a value (a bug or bad input: retrying cannot
 * help) rather than the database being unreachable, slow or otherwise failing. Reads the driver's
 * verdict wherever Prisma put it (the error, its `cause`s, `meta.driverAdapterError`).
 */
export function isDataError(error: unknown): boolean {
  return inErrorChain(error, isDataLink);
}
