import { jest } from "@jest/globals";

const FAKEABLE = [
  "Date",
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
] as const;

/** Jest modern fake timers faking only `faked`: the database drivers keep their real timers and I/O. */
export function fakeOnly(faked: (typeof FAKEABLE)[number][], now?: Date): void {
  jest.useFakeTimers({
    ...(now === undefined ? {} : { now }),
    doNotFake: FAKEABLE.filter((name) => !faked.includes(name)),
  });
}

/** Only `Date` faked: session deadlines follow `jest.setSystemTime` / {@link advance}. */
export function fakeDate(start = new Date("2026-01-01T00:00:00.000Z")): void {
  fakeOnly(["Date"], start);
}

/** Moves the fake clock forward by `ms`. */
export function advance(ms: number): void {
  jest.setSystemTime(Date.now() + ms);
}

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
