import { SessionError } from "./errors.js";

/** Turns session data into the text stored in the `data` column and back. */
export interface Serializer {
  stringify(data: Record<string, unknown>): string;
  parse(text: string): Record<string, unknown>;
}

const DATE_TAG = "$date";

function isDateTag(value: unknown): value is { [DATE_TAG]: string } {
  if (typeof value !== "object" || value === null) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === DATE_TAG && typeof Reflect.get(value, DATE_TAG) === "string";
}

function replacer(this: unknown, key: string, value: unknown): unknown {
  // JSON.stringify has already called Date#toJSON on `value`; the holder still has the Date.
  const original: unknown = typeof this === "object" && this !== null ? Reflect.get(this, key) : value;
  if (original instanceof Date) return { [DATE_TAG]: original.toISOString() };
  if (typeof value === "function" || typeof value === "symbol" || typeof value === "bigint") {
    throw new TypeError(`a ${typeof value} cannot be stored`);
  }
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  return isDateTag(value) ? new Date(value[DATE_TAG]) : value;
}

/**
 * The default serializer: JSON, with `Date` values kept as dates (stored as `{"$date": ISO}`).
 * Functions, symbols, bigints and circular structures are refused instead of silently dropped.
 */
export const jsonSerializer: Serializer = {
  stringify: (data) => JSON.stringify(data, replacer),
  parse: (text) => {
    const parsed: unknown = JSON.parse(text, reviver);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new TypeError("stored session data is not an object");
    }
    return parsed as Record<string, unknown>;
  },
};

/** Serializes `data`; on failure names the first key that cannot be stored. */
export function serializeData(serializer: Serializer, data: Record<string, unknown>): string {
  try {
    return serializer.stringify(data);
  } catch (error) {
    for (const [key, value] of Object.entries(data)) checkValue(serializer, key, value);
    throw new SessionError(`Session data cannot be serialized: ${describe(error)}`, "UNSERIALIZABLE", {
      cause: error,
    });
  }
}

/** Throws `SessionError` (`UNSERIALIZABLE`) naming `key` if `value` cannot be stored. */
export function checkValue(serializer: Serializer, key: string, value: unknown): void {
  if (value === undefined) {
    throw new SessionError(`Session value "${key}" is undefined; use delete() to remove a key`, "UNSERIALIZABLE");
  }
  try {
    serializer.stringify({ [key]: value });
  } catch (error) {
    throw new SessionError(`Session value "${key}" cannot be serialized: ${describe(error)}`, "UNSERIALIZABLE", {
      cause: error,
    });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
