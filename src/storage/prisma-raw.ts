// The user's Prisma client as a runner of our SQL: its two raw-query methods, declared
// structurally so any generated client fits, whatever its output path.
import type { SqlRunner } from "../sql/runner.js";

/** The two raw-SQL methods of a Prisma client that prisma-sessions calls. */
export interface RawSqlClient {
  $executeRawUnsafe(query: string, ...values: unknown[]): PromiseLike<number>;
  /** Rows as the driver returns them. */
  $queryRawUnsafe(query: string, ...values: unknown[]): PromiseLike<unknown>;
}

function records(rows: unknown): Record<string, unknown>[] {
  if (!Array.isArray(rows)) return [];
  const items: unknown[] = rows;
  return items.filter((row): row is Record<string, unknown> => typeof row === "object" && row !== null);
}

/** Runs statements through the client's `$queryRawUnsafe` and `$executeRawUnsafe`. */
export function prismaRunner(client: RawSqlClient): SqlRunner {
  return {
    query: async ({ sql, args }) => records(await client.$queryRawUnsafe(sql, ...args)),
    execute: async ({ sql, args }) => client.$executeRawUnsafe(sql, ...args),
  };
}
