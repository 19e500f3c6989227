// Writing session data: one walk that refuses what cannot come back exactly and notes where the
// values JSON has no type for (Dates, Maps, …) sit, then JSON. The notes ("meta") are kept apart
// from the data, as superjson does, so no shape of user data can be mistaken for a type tag.
import { UnserializableValue } from "../errors.js";
import { formatPath } from "./path.js";

/** The types stored beside JSON. */
export type Tag = "Date" | "BigInt" | "Number" | "undefined" | "Map" | "Set";

/** Where a value of a type JSON lacks sits, and its type. Listed children first. */
export type MetaEntry = [path: (string | number)[], tag: Tag];

/** The stored format's version: the text is `[1,data]` or `[1,data,meta]`. */
export const FORMAT_VERSION = 1;

/** Deeper nesting is refused: JSON.parse and our walks recurse, and sessions are shallow. */
export const MAX_DEPTH = 512;

type Path = (string | number)[];

function refuse(path: Path, what: string): UnserializableValue {
  const where = path.length === 0 ? "the session data" : formatPath(path);
  return new UnserializableValue(`Session value at ${where} cannot be stored: ${what}`, [...path]);
}

function instanceName(value: object): string {
  const name: unknown = Reflect.get(value.constructor ?? {}, "name");
  return typeof name === "string" && name !== "" ? `a ${name} (class instance)` : "an object of a class";
}

/**
 * Checks `value` (at `path`) and tells whether it holds anything JSON cannot carry on its own.
 * Throws {@link UnserializableValue} naming the path of the first value that cannot be stored.
 */
export function scanValue(value: unknown, path: Path = [], ancestors: object[] = []): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return false;
    case "number":
      return !Number.isFinite(value) || Object.is(value, -0);
    case "bigint":
    case "undefined":
      return true;
    case "object":
      return value === null ? false : scanObject(value, path, ancestors);
    default:
      throw refuse(path, `a ${typeof value}`);
  }
}

function scanObject(value: object, path: Path, ancestors: object[]): boolean {
  if (ancestors.includes(value)) throw refuse(path, "a circular reference");
  if (ancestors.length >= MAX_DEPTH) throw refuse(path, `nesting deeper than ${MAX_DEPTH} levels`);
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Date.prototype) {
    if (Number.isNaN(Date.prototype.getTime.call(value))) throw refuse(path, "an invalid Date");
    return true;
  }
  ancestors.push(value);
  let special: boolean;
  if (proto === Array.prototype && Array.isArray(value)) special = scanArray(value, path, ancestors);
  else if (proto === Object.prototype || proto === null) special = scanPlain(value, path, ancestors);
  else if (proto === Map.prototype) special = scanEntries(value as Map<unknown, unknown>, path, ancestors);
  else if (proto === Set.prototype) special = scanEntries(value as Set<unknown>, path, ancestors);
  else throw refuse(path, instanceName(value));
  ancestors.pop();
  return special;
}

function scanArray(value: unknown[], path: Path, ancestors: object[]): boolean {
  let special = false;
  for (let index = 0; index < value.length; index++) {
    path.push(index);
    if (!Object.hasOwn(value, index)) throw refuse(path, "a hole in a sparse array");
    if (scanValue(value[index], path, ancestors)) special = true;
    path.pop();
  }
  if (Object.keys(value).length !== value.length) throw refuse(path, "an array with extra properties");
  return special;
}

function scanPlain(value: object, path: Path, ancestors: object[]): boolean {
  if (Object.getOwnPropertySymbols(value).length > 0) throw refuse(path, "an object with symbol keys");
  let special = false;
  for (const key of Object.keys(value)) {
    path.push(key);
    if (scanValue(Reflect.get(value, key), path, ancestors)) special = true;
    path.pop();
  }
  return special;
}

/** A Map's entries sit at `[i, 0]` (key) and `[i, 1]` (value), a Set's values at `[i]`, as stored. */
function scanEntries(value: Map<unknown, unknown> | Set<unknown>, path: Path, ancestors: object[]): true {
  let index = 0;
  for (const entry of value) {
    path.push(index++);
    if (value instanceof Map) {
      const [key, item] = entry as [unknown, unknown];
      path.push(0);
      scanValue(key, path, ancestors);
      path[path.length - 1] = 1;
      scanValue(item, path, ancestors);
      path.pop();
    } else scanValue(entry, path, ancestors);
    path.pop();
  }
  return true;
}

/** The JSON stand-in of a checked value, noting typed values in `meta` (children first). */
function encodeValue(value: unknown, path: Path, meta: MetaEntry[]): unknown {
  switch (typeof value) {
    case "number":
      if (Number.isFinite(value) && !Object.is(value, -0)) return value;
      meta.push([[...path], "Number"]);
      return Object.is(value, -0) ? "-0" : String(value);
    case "bigint":
      meta.push([[...path], "BigInt"]);
      return value.toString();
    case "undefined":
      meta.push([[...path], "undefined"]);
      return null;
    case "object":
      return value === null ? null : encodeObject(value, path, meta);
    default:
      return value;
  }
}

function encodeObject(value: object, path: Path, meta: MetaEntry[]): unknown {
  if (value instanceof Date) {
    meta.push([[...path], "Date"]);
    return value.toISOString();
  }
  if (Array.isArray(value)) return value.map((item, index) => encodeChild(item, index, path, meta));
  if (value instanceof Map || value instanceof Set) {
    const entries = [...value].map((entry, index) => {
      if (!(value instanceof Map)) return encodeChild(entry, index, path, meta);
      const [key, item] = entry as [unknown, unknown];
      path.push(index);
      const pair = [encodeChild(key, 0, path, meta), encodeChild(item, 1, path, meta)];
      path.pop();
      return pair;
    });
    meta.push([[...path], value instanceof Map ? "Map" : "Set"]);
    return entries;
  }
  // A prototype-less copy: assigning an own "__proto__" key to it defines a property.
  const copy: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(value)) copy[key] = encodeChild(Reflect.get(value, key), key, path, meta);
  return copy;
}

function encodeChild(value: unknown, step: string | number, path: Path, meta: MetaEntry[]): unknown {
  path.push(step);
  const encoded = encodeValue(value, path, meta);
  path.pop();
  return encoded;
}

/**
 * The stored text of session data: `[1,data]` when the data is plain JSON (the common case: one
 * checking walk, then the engine's JSON.stringify), else `[1,data,meta]`.
 * @throws UnserializableValue naming the path of a value that cannot be stored.
 */
export function encodeData(data: Record<string, unknown>): string {
  if (!scanValue(data)) return `[${FORMAT_VERSION},${JSON.stringify(data)}]`;
  const meta: MetaEntry[] = [];
  const json = encodeValue(data, [], meta);
  return JSON.stringify([FORMAT_VERSION, json, meta]);
}
