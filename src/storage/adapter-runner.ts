// The few parts of a Prisma driver adapter (`SqlDriverAdapter` of @prisma/driver-adapter-utils)
// the command line uses, declared structurally: it runs its own SQL, with no generated client.

import type { SqlStatement } from "../sql/provider.js";
import type { PinnedConnection, SqlRunner } from "../sql/runner.js";

type SqlValue = SqlStatement["args"][number];

/** A query as the adapters take it: `argTypes` tells each adapter how to bind the value. */
export interface AdapterQuery {
  sql: string;
  args: SqlValue[];
  argTypes: { scalarType: "string" | "int"; arity: "scalar" }[];
}

export interface AdapterQueryable {
  queryRaw(query: AdapterQuery): Promise<{ columnNames: string[]; rows: unknown[][] }>;
  executeRaw(query: AdapterQuery): Promise<number>;
}

export interface AdapterTransaction extends AdapterQueryable {
  /** `false`: the caller sends COMMIT/ROLLBACK itself before `rollback()` releases the connection. */
  readonly options: { usePhantomQuery: boolean };
  rollback(): Promise<void>;
}

export interface SqlAdapter extends AdapterQueryable {
  startTransaction(): Promise<AdapterTransaction>;
  dispose(): Promise<void>;
}

function adapterQuery({ sql, args }: SqlStatement): AdapterQuery {
  const argTypes = args.map(
    (arg) => ({ scalarType: typeof arg === "number" ? "int" : "string", arity: "scalar" }) as const,
  );
  return { sql, args, argTypes };
}

function records({ columnNames, rows }: { columnNames: string[]; rows: unknown[][] }): Record<string, unknown>[] {
  return rows.map((row) => Object.fromEntries(columnNames.map((name, index) => [name, row[index]])));
}

/** Runs the session table's SQL through a driver adapter; rows become column → value records. */
export function adapterRunner(adapter: AdapterQueryable): SqlRunner {
  return {
    query: async (statement) => records(await adapter.queryRaw(adapterQuery(statement))),
    execute: (statement) => adapter.executeRaw(adapterQuery(statement)),
  };
}

/**
 * Pins one pooled connection in a transaction, for the cleanup lock. Ends it the way Prisma's own
 * transaction manager does: adapters without a "phantom" query need the ROLLBACK sent first.
 */
export async function pinConnection(adapter: SqlAdapter): Promise<PinnedConnection> {
  const tx = await adapter.startTransaction();
  return {
    queryValue: async (statement) => (await tx.queryRaw(adapterQuery(statement))).rows[0]?.[0],
    close: async () => {
      if (tx.options.usePhantomQuery) return tx.rollback();
      try {
        await tx.executeRaw({ sql: "ROLLBACK", args: [], argTypes: [] });
      } finally {
        await tx.rollback();
      }
    },
  };
}
