import { describe, expect, it } from "@jest/globals";
import { MemoryConnector } from "../../src/connectors/memory.js";
import {
  type CleanupOptions,
  type CleanupTarget,
  cleanupExpiredSessions,
  PrismaCleanupLock,
  PrismaCleanupTarget,
} from "../../src/entries/cleanup.js";
import { ConfigError } from "../../src/errors.js";

const raw = { $queryRawUnsafe: async () => [], $executeRawUnsafe: async () => 0 };

describe("cleanup options", () => {
  it.each<[string, CleanupOptions]>([
    ["a zero batch size", { batchSize: 0 }],
    ["a fractional batch size", { batchSize: 1.5 }],
    ["a zero maximum run time", { maxRuntime: 0 }],
    ["a negative Duration", { maxRuntime: { minutes: -1 } }],
    ["an invalid now", { now: new Date("nope") }],
  ])("%s is refused with ConfigError before any batch", async (_label, options) => {
    let batches = 0;
    const target: CleanupTarget = {
      countExpiredSessions: async () => 0,
      currentTime: async () => new Date(),
      deleteExpiredSessions: async () => {
        batches++;
        return { deleted: 0, last: null };
      },
    };
    await expect(cleanupExpiredSessions(target, options)).rejects.toThrow(ConfigError);
    expect(batches).toBe(0);
  });

  it("a date-fns Duration works as the maximum run time", async () => {
    await expect(cleanupExpiredSessions(new MemoryConnector(), { maxRuntime: { minutes: 1 } })).resolves.toMatchObject({
      stoppedEarly: false,
    });
  });

  it("the Prisma helpers refuse an unknown provider, a bad table and a client that lacks the method", () => {
    // @ts-expect-error: deliberately wrong types reach the runtime check too
    expect(() => new PrismaCleanupTarget(raw, { provider: "mongodb" })).toThrow(ConfigError);
    expect(() => new PrismaCleanupTarget(raw, { provider: "postgresql", table: "a;b" })).toThrow(ConfigError);
    // @ts-expect-error: deliberately wrong types reach the runtime check too
    expect(() => new PrismaCleanupLock(raw, { provider: "postgresql" })).toThrow(/has no \$transaction/);
  });
});
