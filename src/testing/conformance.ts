// The suite uses the test runner's globals (describe, it, expect, beforeAll, afterAll) rather
// than importing @jest/globals, so this module loads anywhere and works under Jest or under
// Vitest with `globals: true`.
import type { SessionConnector, StoredSession } from "../connector.js";
import { describeCleanupCases } from "./cases-cleanup.js";
import { describeRowCases } from "./cases-rows.js";
import { describeUserCases } from "./cases-users.js";
import type { ConformanceContext, ConformanceTarget } from "./conformance-types.js";
import { fromRawRow } from "./fixtures.js";

export type {
  ConformanceContext,
  ConformanceTarget,
  RawColumn,
  RawRow,
  StoredStateInspector,
} from "./conformance-types.js";

// Timing convention that keeps the cases independent of each other's rows: every row a case leaves
// behind expires at least two days after that case started. Only the deleteExpiredSessions cases
// use earlier deadlines (`now + 1 day` is their "now"), and they remove every row they create.

export function describeConnectorConformance(name: string, setup: () => Promise<ConformanceTarget>): void {
  describe(`${name} meets the SessionConnector contract`, () => {
    let target: ConformanceTarget | undefined;

    beforeAll(async () => {
      target = await setup();
    });

    afterAll(async () => {
      await target?.close?.();
    });

    function current(): ConformanceTarget {
      if (target === undefined) throw new Error("the conformance setup() did not finish");
      return target;
    }

    function connector(): SessionConnector {
      return current().connector;
    }

    /** The stored row: read directly when the target can, else through `getSession`. */
    async function stored(id: string): Promise<StoredSession | null> {
      const { inspect } = current();
      if (inspect === undefined) return connector().getSession(id);
      const raw = await inspect.readRow(id);
      return raw === null ? null : fromRawRow(raw);
    }

    /** How many of `ids` are stored (rows of other cases are not counted). One read at a time. */
    /** How many rows one batch deleted. */
    async function deletedBy(now: Date, limit: number, from?: Date | null): Promise<number> {
      return (await connector().deleteExpiredSessions(now, limit, from)).deleted;
    }

    async function countStored(ids: string[]): Promise<number> {
      let count = 0;
      for (const id of ids) if ((await stored(id)) !== null) count++;
      return count;
    }

    /** Runs `step` and, when the target can count rows, checks the table grew by exactly `by`. */
    async function changingRowCountBy<T>(by: number, step: () => Promise<T>): Promise<T> {
      const { inspect } = current();
      const before = inspect === undefined ? 0 : await inspect.countRows();
      const result = await step();
      if (inspect !== undefined) expect(await inspect.countRows()).toBe(before + by);
      return result;
    }

    async function seed(...rows: StoredSession[]): Promise<void> {
      for (const row of rows) await expect(connector().createSession(row)).resolves.toBe(true);
    }

    /** Seeds rows that expire early, runs `body`, and removes the rows whatever happened. */
    async function withEarlyRows(rows: StoredSession[], body: () => Promise<void>): Promise<void> {
      try {
        await seed(...rows);
        await body();
      } finally {
        for (const row of rows) await connector().destroySession(row.id);
      }
    }

    const ctx: ConformanceContext = {
      connector,
      stored,
      countStored,
      deletedBy,
      changingRowCountBy,
      seed,
      withEarlyRows,
    };
    describeRowCases(ctx);
    describeUserCases(ctx);
    describeCleanupCases(ctx);
  });
}
