import { jest } from "@jest/globals";

/**
 * Jest modern fake timers with only `Date` faked: the database drivers keep their real timers
 * and I/O, while session deadlines follow `jest.setSystemTime` / {@link advance}.
 */
export function fakeDate(start = new Date("2026-01-01T00:00:00.000Z")): void {
  jest.useFakeTimers({
    now: start,
    doNotFake: [
      "hrtime",
      "nextTick",
      "performance",
      "queueMicrotask",
      "requestAnimationFrame",
      "cancelAnimationFrame",
      "requestIdleCallback",
      "cancelIdleCallback",
      "setImmediate",
      "clearImmediate",
      "setInterval",
      "clearInterval",
      "setTimeout",
      "clearTimeout",
    ],
  });
}

/** Moves the fake clock forward by `ms`. */
export function advance(ms: number): void {
  jest.setSystemTime(Date.now() + ms);
}

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
