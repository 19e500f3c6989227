import { SessionError, UnserializableValue } from "./errors.js";
import { decodeData } from "./serialization/decode.js";
import { encodeData, scanValue } from "./serialization/encode.js";

/** Turns session data into the text stored in the `data` column and back. */
export interface Serializer {
  stringify(data: Record<string, unknown>): string;
  parse(text: string): Record<string, unknown>;
}

/**
 * The default serializer: JSON for JSON values, and exact round trips for `Date`, `Map`, `Set`,
 * `BigInt`, `undefined` inside objects and arrays, `NaN`, `±Infinity` and `-0`, whose types are
 * noted apart from the data (`[1,data,meta]`), so no shape of data can pass for a type tag.
 * Everything else (functions, symbols, class instances, invalid Dates, sparse arrays, symbol
 * keys, circular structures) is refused with {@link UnserializableValue}, naming where it sits.
 * Values are stored by value: an object reachable twice comes back as two equal objects, and an
 * object with a null prototype comes back as a plain one. Reads the format of versions before
 * 0.2 too (a JSON object with Dates as `{"$date": ISO}`).
 */
export const jsonSerializer: Serializer = {
  stringify: encodeData,
  parse: decodeData,
};

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Serializes `data`; on failure names what cannot be stored. */
export function serializeData(serializer: Serializer, data: Record<string, unknown>): string {
  try {
    return serializer.stringify(data);
  } catch (error) {
    if (error instanceof SessionError) throw error;
    for (const [key, value] of Object.entries(data)) checkValue(serializer, key, value);
    throw new UnserializableValue(`Session data cannot be serialized: ${describe(error)}`, [], { cause: error });
  }
}

/** Throws {@link UnserializableValue} naming where `value` (to be stored under `key`) cannot be stored. */
export function checkValue(serializer: Serializer, key: string, value: unknown): void {
  if (value === undefined) {
    throw new UnserializableValue(`Session value "${key}" is undefined; use delete() to remove a key`, [key]);
  }
  if (serializer === jsonSerializer) {
    scanValue(value, [key]);
    return;
  }
  try {
    serializer.stringify({ [key]: value });
  } catch (error) {
    if (error instanceof SessionError) throw error;
    throw new UnserializableValue(`Session value "${key}" cannot be serialized: ${describe(error)}`, [key], {
      cause: error,
    });
  }
}
