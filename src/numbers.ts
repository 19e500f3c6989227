import { ConfigError } from "./errors.js";

/** Whether `value` is a whole number of at least 1 (and safe to count with). */
export function isPositiveInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 1;
}

/** `value` when it is a positive integer; `ConfigError` naming `name` otherwise. */
export function checkPositiveInteger(value: unknown, name = "A limit"): number {
  if (!isPositiveInteger(value)) throw new ConfigError(`${name} must be a positive integer`);
  return value;
}
