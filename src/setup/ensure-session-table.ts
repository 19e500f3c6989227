import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError, ConnectorError } from "../errors.js";
import { checkProvider, type SqlProvider } from "../sql/provider.js";
import type { SqlRunner } from "../sql/runner.js";
import { objectExistsStatement, tableColumnsStatement } from "../sql/schema.js";
import { prismaRunner, type RawSqlClient } from "../storage/prisma-raw.js";
import { isAlreadyExists } from "../storage-errors.js";

/** Options of {@link ensureSessionTable}. */
export interface EnsureSessionTableOptions {
  /** The `provider` of the client's datasource; MariaDB uses `"mysql"`, like Prisma. */
  provider: SqlProvider;
}

/** What {@link ensureSessionTable} did. */
export interface EnsureSessionTableResult {
  /** `true` when this call created the table, one of its indexes or columns. */
  created: boolean;
  /** How many statements this call applied (0 when everything already existed). */
  statements: number;
}

/** A statement of a shipped migration and what it creates. */
type Statement = { sql: string } & (
  | { kind: "table"; name: string; columns: string[] }
  | { kind: "index"; name: string }
  | { kind: "columns"; table: string; columns: string[] }
);

const CREATE = /^CREATE\s+(?:UNIQUE\s+)?(TABLE|INDEX)\s+["`]([^"`]+)["`]/i;
const ALTER = /^ALTER\s+TABLE\s+["`]([^"`]+)["`]\s+ADD\s+COLUMN/i;
/** A column definition inside CREATE TABLE: a quoted name at the start of the line. */
const COLUMN = /^\s*["`]([^"`]+)["`]\s/;
const ADDED = /ADD\s+COLUMN\s+["`]([^"`]+)["`]/gi;

/** The package root holds `prisma/<provider>/migrations`; this file sits below it in `src/` or `dist/`. */
function migrationsDirectory(provider: SqlProvider): string {
  const here = fileURLToPath(import.meta.url);
  for (let dir = dirname(here); ; dir = dirname(dir)) {
    const candidate = join(dir, "prisma", provider, "migrations");
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new ConfigError(`No prisma/${provider}/migrations folder above ${here}`);
  }
}

function parseStatement(sql: string, file: string): Statement {
  const [, kind, name] = CREATE.exec(sql) ?? [];
  if (kind && name && kind.toUpperCase() === "INDEX") return { sql, kind: "index", name };
  if (kind && name) {
    const columns = sql.split("\n").flatMap((line) => COLUMN.exec(line)?.[1] ?? []);
    return { sql, kind: "table", name, columns };
  }
  const [, table] = ALTER.exec(sql) ?? [];
  if (table)
    return { sql, kind: "columns", table, columns: [...sql.matchAll(ADDED)].flatMap(([, column]) => column ?? []) };
  // Only what can be checked for existence is supported: that is what makes a re-run safe.
  throw new ConfigError(
    `${file}: only CREATE TABLE/INDEX and ALTER TABLE … ADD COLUMN are supported: ${sql.split("\n")[0]}`,
  );
}

/** Splits a Prisma migration file: `-- ` comment lines, statements ending with `;` at line end. */
function splitStatements(sql: string, file: string): Statement[] {
  const statements: Statement[] = [];
  let lines: string[] = [];
  for (const line of sql.split(/\r?\n/)) {
    if (line.trimStart().startsWith("--") || (lines.length === 0 && line.trim() === "")) continue;
    lines.push(line);
    if (!line.trimEnd().endsWith(";")) continue;
    statements.push(parseStatement(lines.join("\n"), file));
    lines = [];
  }
  if (lines.some((line) => line.trim() !== "")) throw new ConfigError(`${file}: the last statement has no ";"`);
  return statements;
}

async function readMigrations(provider: SqlProvider): Promise<Statement[]> {
  const root = migrationsDirectory(provider);
  const statements: Statement[] = [];
  try {
    const entries = await readdir(root, { withFileTypes: true });
    // Prisma applies migrations in the lexicographic order of their folder names.
    for (const name of entries
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort()) {
      const file = join(root, name, "migration.sql");
      statements.push(...splitStatements(await readFile(file, "utf8"), file));
    }
  } catch (error) {
    throw error instanceof ConfigError ? error : new ConfigError(`Cannot read ${root}`, { cause: error });
  }
  return statements;
}

async function columnsOf(runner: SqlRunner, provider: SqlProvider, table: string): Promise<Set<string>> {
  const rows = await runner.query(tableColumnsStatement(provider, table));
  return new Set(rows.map((row) => String(row.name).toLowerCase()));
}

/**
 * Whether the statement's object is there. A table that exists must have at least the columns the
 * migration creates it with (later migrations add more); an ALTER is done when all its columns
 * are there, and a half-added one is an error, not something to guess about.
 */
async function done(runner: SqlRunner, provider: SqlProvider, statement: Statement): Promise<boolean> {
  if (statement.kind === "index") {
    return (await runner.query(objectExistsStatement(provider, "index", statement.name))).length > 0;
  }
  const table = statement.kind === "table" ? statement.name : statement.table;
  const present = await columnsOf(runner, provider, table);
  if (present.size === 0) return false; // no such table (yet)
  const missing = statement.columns.filter((column) => !present.has(column.toLowerCase()));
  if (statement.kind === "columns" && missing.length === statement.columns.length) return false;
  if (missing.length === 0) return true;
  throw new ConfigError(
    `A table "${table}" exists but lacks the columns ${missing.map((column) => `"${column}"`).join(", ")} that ` +
      "prisma-sessions needs: it is another table of that name, or one changed by hand. Rename it, or add the " +
      "columns (see prisma/schema.reference.prisma).",
  );
}

/**
 * Creates the `sessions` table, its indexes and the columns later versions added, if they are
 * missing, by applying the SQL of the migrations shipped in `prisma/<provider>/migrations` (the same
 * files `prisma migrate deploy` applies). For quick starts and tests; production schemas belong in
 * your own migrations.
 *
 * Idempotent: what exists is skipped, so a second call applies nothing, and a table created by an
 * older version gains the new columns. Safe when several processes call it at once: a creation that
 * loses the race to another caller counts as done. Statements run in the connection's default
 * schema (PostgreSQL `search_path`, MySQL database).
 *
 * @throws ConfigError when the provider is unknown, its migration files cannot be read, or a
 *   `sessions` table of another shape is in the way.
 * @throws ConnectorError when the database rejects a statement for another reason (driver error as `cause`).
 * @example
 * await ensureSessionTable(prisma, { provider: "postgresql" }); // { created: true, statements: 4 }
 */
export async function ensureSessionTable(
  client: RawSqlClient,
  options: EnsureSessionTableOptions,
): Promise<EnsureSessionTableResult> {
  const provider = checkProvider(options.provider);
  const runner = prismaRunner(client);
  const statements = await readMigrations(provider);
  let applied = 0;
  for (const statement of statements) {
    if (await done(runner, provider, statement)) continue;
    try {
      await client.$executeRawUnsafe(statement.sql);
      applied += 1;
    } catch (error) {
      // Lost a race: the driver says "already exists", or (PostgreSQL reports concurrent CREATEs as
      // unique violations on its catalogs) the object is there now although it was missing before.
      if (isAlreadyExists(error) || (await done(runner, provider, statement).catch(() => false))) continue;
      const what =
        statement.kind === "columns" ? `the columns of "${statement.table}"` : `${statement.kind} "${statement.name}"`;
      throw new ConnectorError(`ensureSessionTable could not create ${what}`, { cause: error });
    }
  }
  return { created: applied > 0, statements: applied };
}
