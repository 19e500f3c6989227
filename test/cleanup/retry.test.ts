import { describe, expect, it } from "@jest/globals";
import { cleanupExpiredSessions } from "../../src/cleanup/cleanup.js";
import type { CleanupTarget } from "../../src/connector.js";
import { ConnectorError } from "../../src/errors.js";
import { isWriteConflict } from "../../src/storage-errors.js";

/** How Prisma reports a raw statement MySQL chose as a deadlock victim. */
function prismaDeadlock(): Error {
  const cause = { kind: "mysql", code: 1213, originalCode: "1213", message: "Deadlock found when trying to get lock" };
  return Object.assign(new Error("Raw query failed. Code: `1213`."), {
    code: "P2010",
    meta: {
      code: "1213",
      driverAdapterError: Object.assign(new Error("mysql"), { name: "DriverAdapterError", cause }),
    },
  });
}

/** A target whose batches fail with `errors` in turn, then delete nothing. */
function failing(...errors: Error[]): { target: CleanupTarget; calls: () => number } {
  let calls = 0;
  const target: CleanupTarget = {
    countExpiredSessions: async () => 0,
    currentTime: async () => new Date(),
    deleteExpiredSessions: async () => {
      const error = errors[calls++];
      if (error) throw error;
      return { deleted: 0, last: null };
    },
  };
  return { target, calls: () => calls };
}

describe("a batch rolled back as a deadlock victim", () => {
  it("runs again and the cleanup succeeds", async () => {
    const { target, calls } = failing(prismaDeadlock(), prismaDeadlock());
    await expect(cleanupExpiredSessions(target)).resolves.toMatchObject({ deleted: 0, batches: 1 });
    expect(calls()).toBe(3);
  });

  it("gives up after five attempts with ConnectorError", async () => {
    const { target, calls } = failing(...Array.from({ length: 6 }, prismaDeadlock));
    await expect(cleanupExpiredSessions(target)).rejects.toThrow(ConnectorError);
    expect(calls()).toBe(5);
  });

  it("other failures are not retried", async () => {
    const { target, calls } = failing(new Error("connection lost"));
    await expect(cleanupExpiredSessions(target)).rejects.toMatchObject({ code: "CONNECTOR_ERROR" });
    expect(calls()).toBe(1);
  });

  it.each([
    [
      "PostgreSQL through a driver adapter",
      { name: "DriverAdapterError", cause: { kind: "postgres", originalCode: "40P01" } },
    ],
    ["a Prisma write conflict", { code: "P2034" }],
    ["a mapped write conflict", { cause: { kind: "TransactionWriteConflict" } }],
    ["the mariadb driver", { errno: 1213, code: "ER_LOCK_DEADLOCK" }],
  ])("is recognised from %s", (_label, error) => {
    expect(isWriteConflict(error)).toBe(true);
  });

  it("a unique violation or a lost connection is not a write conflict", () => {
    expect(isWriteConflict({ code: "P2002" })).toBe(false);
    expect(isWriteConflict(new Error("ECONNRESET"))).toBe(false);
  });
});
