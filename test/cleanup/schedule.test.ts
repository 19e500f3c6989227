import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it, jest } from "@jest/globals";
import type { CleanupResult } from "../../src/cleanup/cleanup.js";
import { type ScheduleCleanupOptions, scheduleCleanup } from "../../src/cleanup/schedule.js";
import type { CleanupTarget, StoredSession } from "../../src/connector.js";
import { MemoryConnector } from "../../src/connectors/memory.js";
import { ConfigError, ConnectorError } from "../../src/errors.js";

const SECOND = 1000;
const MINUTE = 60 * SECOND;

/** A target whose batches stay pending until the test settles them. */
function pendingTarget() {
  const batches: { at: number; settle: (deleted: number) => void; fail: (error: Error) => void }[] = [];
  const target: CleanupTarget = {
    countExpiredSessions: async () => 0,
    currentTime: async () => new Date(),
    deleteExpiredSessions: (_now, _limit) =>
      new Promise<number>((settle, fail) => {
        batches.push({ at: Date.now(), settle, fail });
      }).then((deleted) => ({ deleted, last: null })),
  };
  return { target, batches };
}

describe("scheduleCleanup", () => {
  const started = Date.now();
  beforeEach(() => {
    jest.useFakeTimers({ now: started });
  });
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  describe("timing", () => {
    it("the first run waits a random part of the jitter", async () => {
      jest.spyOn(Math, "random").mockReturnValue(0.5);
      const { target, batches } = pendingTarget();
      const schedule = scheduleCleanup(target, { interval: MINUTE, jitter: 10 * SECOND });
      await jest.advanceTimersByTimeAsync(5 * SECOND - 1);
      expect(batches).toHaveLength(0);
      await jest.advanceTimersByTimeAsync(1);
      expect(batches).toHaveLength(1);
      batches[0]?.settle(0);
      await schedule.stop();
    });

    it("jitter stays within its bounds and spreads a fleet out", async () => {
      const { target, batches } = pendingTarget();
      const fleet = Array.from({ length: 40 }, () =>
        scheduleCleanup(target, { interval: { hours: 1 }, jitter: { minutes: 10 } }),
      );
      await jest.advanceTimersByTimeAsync(10 * MINUTE);
      expect(batches).toHaveLength(40);
      const offsets = batches.map((batch) => batch.at - started);
      expect(Math.min(...offsets)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...offsets)).toBeLessThanOrEqual(10 * MINUTE);
      expect(new Set(offsets).size).toBeGreaterThan(30);
      for (const batch of batches) batch.settle(0);
      await Promise.all(fleet.map((schedule) => schedule.stop()));
    });

    it("the next run starts an interval (plus jitter) after the previous one ended", async () => {
      jest.spyOn(Math, "random").mockReturnValue(0);
      const { target, batches } = pendingTarget();
      const schedule = scheduleCleanup(target, { interval: MINUTE, jitter: 5 * SECOND });
      await jest.advanceTimersByTimeAsync(0);
      await jest.advanceTimersByTimeAsync(30 * SECOND);
      batches[0]?.settle(0);
      await jest.advanceTimersByTimeAsync(MINUTE - 1);
      expect(batches).toHaveLength(1);
      await jest.advanceTimersByTimeAsync(1);
      expect(batches).toHaveLength(2);
      expect((batches[1]?.at ?? 0) - started).toBe(30 * SECOND + MINUTE);
      batches[1]?.settle(0);
      await schedule.stop();
    });

    it("runs never overlap, however long one takes", async () => {
      const { target, batches } = pendingTarget();
      const schedule = scheduleCleanup(target, { interval: SECOND, jitter: 0 });
      await jest.advanceTimersByTimeAsync(60 * SECOND);
      expect(batches).toHaveLength(1);
      batches[0]?.settle(0);
      await jest.advanceTimersByTimeAsync(SECOND);
      expect(batches).toHaveLength(2);
      batches[1]?.settle(0);
      await schedule.stop();
    });
  });

  describe("stop", () => {
    it("waits for the running batch, stops the run there, and no run starts afterwards", async () => {
      const results: CleanupResult[] = [];
      const { target, batches } = pendingTarget();
      const schedule = scheduleCleanup(target, {
        interval: SECOND,
        jitter: 0,
        batchSize: 10,
        onResult: (result) => results.push(result),
      });
      await jest.advanceTimersByTimeAsync(0);
      let stopped = false;
      const stopping = schedule.stop().then(() => {
        stopped = true;
      });
      await jest.advanceTimersByTimeAsync(0);
      expect(stopped).toBe(false);
      batches[0]?.settle(10); // a full batch: without stop() the run would go on
      await stopping;
      expect(results).toEqual([expect.objectContaining({ deleted: 10, batches: 1, stoppedEarly: "aborted" })]);
      await jest.advanceTimersByTimeAsync(60 * SECOND);
      expect(batches).toHaveLength(1);
      await schedule.stop(); // idempotent
    });

    it("before the first run, prevents it", async () => {
      const { target, batches } = pendingTarget();
      const schedule = scheduleCleanup(target, { interval: SECOND, jitter: SECOND });
      await schedule.stop();
      await jest.advanceTimersByTimeAsync(60 * SECOND);
      expect(batches).toHaveLength(0);
    });
  });

  describe("errors", () => {
    it("reach onError, wrapped in ConnectorError, and the schedule carries on", async () => {
      const errors: unknown[] = [];
      const { target, batches } = pendingTarget();
      const schedule = scheduleCleanup(target, { interval: SECOND, jitter: 0, onError: (error) => errors.push(error) });
      await jest.advanceTimersByTimeAsync(0);
      const cause = new Error("connection lost");
      batches[0]?.fail(cause);
      await jest.advanceTimersByTimeAsync(SECOND);
      expect(errors).toEqual([expect.any(ConnectorError)]);
      expect(errors[0]).toMatchObject({ code: "CONNECTOR_ERROR", cause });
      expect(batches).toHaveLength(2);
      batches[1]?.settle(0);
      await schedule.stop();
    });

    it("go to logger.error when there is no onError", async () => {
      const error = jest.fn();
      const { target, batches } = pendingTarget();
      const schedule = scheduleCleanup(target, { interval: SECOND, jitter: 0, logger: { error } });
      await jest.advanceTimersByTimeAsync(0);
      batches[0]?.fail(new Error("boom"));
      await schedule.stop();
      expect(error).toHaveBeenCalledWith("session cleanup failed", { error: expect.any(ConnectorError) });
    });

    it("a throwing onError becomes a process warning, never an unhandled rejection", async () => {
      const warn = jest.spyOn(process, "emitWarning").mockImplementation(() => {});
      const { target, batches } = pendingTarget();
      const schedule = scheduleCleanup(target, {
        interval: SECOND,
        jitter: 0,
        onError: () => {
          throw new Error("reporter broke");
        },
      });
      await jest.advanceTimersByTimeAsync(0);
      batches[0]?.fail(new Error("boom"));
      await jest.advanceTimersByTimeAsync(SECOND);
      const [warning, type]: unknown[] = warn.mock.calls[0] ?? [];
      expect(warning).toMatchObject({ message: "reporter broke" });
      expect(type).toBe("SessionCleanupWarning");
      expect(batches).toHaveLength(2);
      batches[1]?.settle(0);
      await schedule.stop();
    });

    it.each<[string, ScheduleCleanupOptions]>([
      ["a zero interval", { interval: 0 }],
      ["a negative jitter", { jitter: -1 }],
      ["a negative Duration", { interval: { minutes: -5 } }],
      ["a bad batch size", { batchSize: 0 }],
      ["a zero maximum run time", { maxRuntime: 0 }],
    ])("%s is refused at once with ConfigError", (_label, options) => {
      expect(() => scheduleCleanup(new MemoryConnector(), options)).toThrow(ConfigError);
    });
  });

  it("deletes expired sessions of a memory connector", async () => {
    const connector = new MemoryConnector();
    const row = (id: string, expiresAt: number): StoredSession => ({
      id,
      data: "{}",
      userId: null,
      version: 1,
      expiresAt: new Date(expiresAt),
      absoluteExpiresAt: new Date(expiresAt),
      browserSession: false,
      createdAt: new Date(started),
      updatedAt: new Date(started),
      userAgent: null,
      clientAddress: null,
    });
    await connector.createSession(row("soon", started + 30 * SECOND));
    await connector.createSession(row("later", started + 10 * MINUTE));
    const results: CleanupResult[] = [];
    const schedule = scheduleCleanup(connector, { interval: MINUTE, jitter: 0, onResult: (r) => results.push(r) });
    await jest.advanceTimersByTimeAsync(MINUTE);
    expect(results.map((result) => result.deleted)).toEqual([0, 1]);
    expect(connector.size).toBe(1);
    await schedule.stop();
  });
});

describe("the schedule's timer", () => {
  it("never keeps the process alive", async () => {
    const script = [
      'import { scheduleCleanup } from "./src/cleanup/schedule.ts";',
      'import { MemoryConnector } from "./src/connectors/memory.ts";',
      "scheduleCleanup(new MemoryConnector(), { interval: { hours: 1 }, jitter: { hours: 1 } });",
    ].join("\n");
    const run = promisify(execFile)(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      timeout: 20_000,
    });
    await expect(run).resolves.toMatchObject({ stderr: "" });
  });
});
