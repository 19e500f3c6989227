// Reading session data: the current format (`[1,data,meta?]`, see encode.ts) and the format
// versions before 0.2 wrote (a bare JSON object with Dates as `{"$date": ISO}`).
import { FORMAT_VERSION, MAX_DEPTH, type Tag } from "./encode.js";

type Holder = Record<string, unknown> | unknown[];

function corrupt(why: string): TypeError {
  return new TypeError(`stored session data is malformed: ${why}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Sets a child without ever reaching a prototype (an own "__proto__" key stays a key). */
function put(holder: Holder, step: string | number, value: unknown): void {
  if (Array.isArray(holder)) holder[Number(step)] = value;
  else Reflect.defineProperty(holder, step, { value, writable: true, enumerable: true, configurable: true });
}

/** The holder's own child at `step`, which must exist. */
function child(holder: unknown, step: unknown): unknown {
  if (
    Array.isArray(holder) &&
    typeof step === "number" &&
    Number.isInteger(step) &&
    step >= 0 &&
    step < holder.length
  ) {
    return holder[step];
  }
  if (isRecord(holder) && typeof step === "string" && Object.hasOwn(holder, step)) return holder[step];
  throw corrupt(`no value at step ${JSON.stringify(step)}`);
}

const NUMBERS: Record<string, number> = { NaN: Number.NaN, Infinity: Infinity, "-Infinity": -Infinity, "-0": -0 };

function revive(tag: unknown, value: unknown): unknown {
  switch (tag as Tag) {
    case "Date": {
      const date = typeof value === "string" ? new Date(value) : null;
      if (date === null || Number.isNaN(date.getTime())) throw corrupt("a Date that is not one");
      return date;
    }
    case "BigInt":
      if (typeof value !== "string" || !/^-?\d+$/.test(value)) throw corrupt("a BigInt that is not one");
      return BigInt(value);
    case "Number":
      if (typeof value !== "string" || !Object.hasOwn(NUMBERS, value)) throw corrupt("a number that is not one");
      return NUMBERS[value];
    case "undefined":
      return undefined;
    case "Map":
      if (!Array.isArray(value) || !value.every((pair) => Array.isArray(pair) && pair.length === 2)) {
        throw corrupt("a Map that is not one");
      }
      return new Map(value as [unknown, unknown][]);
    case "Set":
      if (!Array.isArray(value)) throw corrupt("a Set that is not one");
      return new Set(value);
    default:
      throw corrupt(`an unknown type ${JSON.stringify(tag)}`);
  }
}

function decodeEnvelope(parsed: unknown[]): Record<string, unknown> {
  const [version, data, meta = [], ...rest] = parsed;
  if (version !== FORMAT_VERSION || rest.length > 0) throw corrupt(`format ${JSON.stringify(version)} is not known`);
  if (!isRecord(data)) throw corrupt("the data is not an object");
  if (!Array.isArray(meta)) throw corrupt("the type notes are not a list");
  for (const entry of meta) {
    if (!Array.isArray(entry) || entry.length !== 2 || !Array.isArray(entry[0]) || entry[0].length === 0) {
      throw corrupt("a type note is not [path, type]");
    }
    const path: unknown[] = entry[0];
    let holder: unknown = data;
    for (const step of path.slice(0, -1)) holder = child(holder, step);
    const last = path.at(-1);
    // Children are listed before their parents: a Map's entries are revived before the Map.
    put(holder as Holder, last as string | number, revive(entry[1], child(holder, last)));
  }
  return data;
}

/** The strict text `Date#toISOString` writes: nothing else was ever a stored Date. */
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function legacyDate(value: Record<string, unknown>): Date | null {
  const text = value.$date;
  if (typeof text !== "string" || !ISO.test(text) || Object.keys(value).length !== 1) return null;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) || date.toISOString() !== text ? null : date;
}

/**
 * Revives `{"$date": ISO}` tags below the top level (the top level is the session itself, whose
 * keys are the application's). A tag whose text is not an exact ISO instant was the
 * application's own data and stays as it is.
 */
function reviveLegacy(holder: Holder, depth: number): void {
  if (depth > MAX_DEPTH) throw corrupt("nested too deeply");
  const keys: (string | number)[] = Array.isArray(holder) ? holder.map((_, index) => index) : Object.keys(holder);
  for (const key of keys) {
    const value = Array.isArray(holder) ? holder[Number(key)] : holder[key];
    if (typeof value !== "object" || value === null) continue;
    const date = Array.isArray(value) ? null : legacyDate(value as Record<string, unknown>);
    if (date !== null) put(holder, key, date);
    else reviveLegacy(value as Holder, depth + 1);
  }
}

/** Session data from its stored text, in either format. Throws `TypeError` for anything else. */
export function decodeData(text: string): Record<string, unknown> {
  const parsed: unknown = JSON.parse(text);
  if (Array.isArray(parsed)) return decodeEnvelope(parsed);
  if (!isRecord(parsed)) throw corrupt("it is neither an object nor a versioned list");
  // Text without a tag has no Date to revive: skip the walk.
  if (text.includes('"$date"')) reviveLegacy(parsed, 0);
  return parsed;
}
