import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError, ConnectorError } from "../errors.js";
import { checkProvider, type SqlProvider } from "../sql/provider.js";
import type { SqlRunner } from "../sql/runner.js";
import { objectExistsStatement, type SchemaObject } from "../sql/schema.js";
import { prismaRunner, type RawSqlClient } from "../storage/prisma-raw.js";
import { isAlreadyExists } from "../storage-errors.js";

/** Options of {@link ensureSessionTable}. */
export interface EnsureSessionTableOptions {
  /** The `provider` of the client's datasource; MariaDB uses `"mysql"`, like Prisma. */
  provider: SqlProvider;
}

/** What {@link ensureSessionTable} did. */
export interface EnsureSessionTableResult {
  /** `true` when this call created the table or one of its indexes. */
  created: boolean;
  /** How many statements this call applied (0 when everything already existed). */
  statements: number;
}

/** A statement of a shipped migration and the object it creates. */
interface Statement {
  sql: string;
  kind: SchemaObject;
  name: string;
}

const CREATE = /^CREATE\s+(?:UNIQUE\s+)?(TABLE|INDEX)\s+["`]([^"`]+)["`]/i;

/** The package root holds `prisma/<provider>/migrations`; this file sits below it in `src/` or `dist/`. */
function migrationsDirectory(provider: SqlProvider): string {
  const here = fileURLToPath(import.meta.url);
  for (let dir = dirname(here); ; dir = dirname(dir)) {
    const candidate = join(dir, "prisma", provider, "migrations");
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new ConfigError(`No prisma/${provider}/migrations folder above ${here}`);
  }
}

/** Splits a Prisma migration file: `-- ` comment lines, statements ending with `;` at line end. */
function splitStatements(sql: string, file: string): Statement[] {
  const statements: Statement[] = [];
  let lines: string[] = [];
  for (const line of sql.split(/\r?\n/)) {
    if (line.trimStart().startsWith("--") || (lines.length === 0 && line.trim() === "")) continue;
    lines.push(line);
    if (!line.trimEnd().endsWith(";")) continue;
    const text = lines.join("\n");
    const [, kind, name] = CREATE.exec(text) ?? [];
    // Only creations can be checked for existence, which is what makes a re-run safe.
    if (!kind || !name) throw new ConfigError(`${file}: only CREATE TABLE/INDEX is supported: ${lines[0]}`);
    statements.push({ sql: text, kind: kind.toUpperCase() === "TABLE" ? "table" : "index", name });
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

async function exists(runner: SqlRunner, provider: SqlProvider, { kind, name }: Statement): Promise<boolean> {
  return (await runner.query(objectExistsStatement(provider, kind, name))).length > 0;
}

/**
 * Creates the `sessions` table and its indexes if they are missing, by applying the SQL of the
 * migrations shipped in `prisma/<provider>/migrations` (the same files `prisma migrate deploy`
 * applies). For quick starts and tests; production schemas belong in your own migrations.
 *
 * Idempotent: objects that exist are skipped, so a second call applies nothing. Safe when several
 * processes call it at once: a creation that loses the race to another caller counts as done.
 * Statements run in the connection's default schema (PostgreSQL `search_path`, MySQL database).
 *
 * @throws ConfigError when the provider is unknown or its migration files cannot be read.
 * @throws ConnectorError when the database rejects a statement for another reason (driver error as `cause`).
 * @example
 * await ensureSessionTable(prisma, { provider: "postgresql" }); // { created: true, statements: 3 }
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
    try {
      if (await exists(runner, provider, statement)) continue;
      await client.$executeRawUnsafe(statement.sql);
      applied += 1;
    } catch (error) {
      // Lost a race: the driver says "already exists", or (PostgreSQL reports concurrent CREATEs as
      // unique violations on its catalogs) the object is there now although it was missing before.
      if (isAlreadyExists(error) || (await exists(runner, provider, statement).catch(() => false))) continue;
      throw new ConnectorError(`ensureSessionTable could not create ${statement.kind} "${statement.name}"`, {
        cause: error,
      });
    }
  }
  return { created: applied > 0, statements: applied };
}
