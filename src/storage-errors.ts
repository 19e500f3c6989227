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

/** Prisma's "unique constraint failed" code, and the driver adapters' kind for the same. */
function isUniqueLink(link: object): boolean {
  return Reflect.get(link, "code") === "P2002" || Reflect.get(link, "kind") === "UniqueConstraintViolation";
}

/** Whether a failed insert failed because the id is taken (through the model API or a driver adapter). */
export function isUniqueViolation(error: unknown): boolean {
  return inErrorChain(error, isUniqueLink);
}

/**
 * Codes of a statement the database chose as a deadlock victim (or a write conflict) and rolled
 * back whole: PostgreSQL 40P01/40001, MySQL 1213, Prisma P2034. Two cleanups deleting the same
 * oldest rows can meet this on MySQL/MariaDB, whose deletes lock the deadline index and the rows in
 * turn; running the batch again is safe.
 */
const CONFLICT_CODES = new Set<unknown>(["40P01", "40001", "P2034", 1213, "1213", "ER_LOCK_DEADLOCK"]);

/** Whether the error (or one it wraps) says the database rolled the statement back as a conflict. */
export function isWriteConflict(error: unknown): boolean {
  return inErrorChain(
    error,
    (link) =>
      Reflect.get(link, "kind") === "TransactionWriteConflict" ||
      ["code", "originalCode", "errno"].some((key) => CONFLICT_CODES.has(Reflect.get(link, key))),
  );
}

/** "Already exists" driver codes: PostgreSQL 42P07, 42701 (column); MySQL/MariaDB ER_TABLE_EXISTS_ERROR, ER_DUP_FIELDNAME, ER_DUP_KEYNAME. */
const EXISTS_CODES = new Set<unknown>([
  "42P07",
  "42701",
  1050,
  "1050",
  "ER_TABLE_EXISTS_ERROR",
  1060,
  "1060",
  "ER_DUP_FIELDNAME",
  1061,
  "1061",
  "ER_DUP_KEYNAME",
]);

/** Looks through the error, its `cause`s and Prisma's `meta.driverAdapterError` for the driver's verdict. */
export function isAlreadyExists(error: unknown): boolean {
  return inErrorChain(error, (link) => {
    const codes = ["code", "originalCode", "errno"].map((key) => Reflect.get(link, key));
    if (codes.some((code) => EXISTS_CODES.has(code))) return true;
    // SQLite has no specific code (SQLITE_ERROR), only the message.
    const sqlite = Reflect.get(link, "kind") === "sqlite" || codes.some((code) => String(code).startsWith("SQLITE_"));
    return sqlite && /already exists|duplicate column name/i.test(String(Reflect.get(link, "message")));
  });
}
