// Exact structural equality for round-trip tests: same prototypes, same own keys in the same
// order, `Object.is` for primitives (so -0 and NaN count), Dates by instant, Maps and Sets by
// their entries in order. Jest's toStrictEqual compares `.constructor`, which an own key named
// "constructor" (valid session data) makes unusable.
export function exactlyEqual(a: unknown, b: unknown): boolean {
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null) return Object.is(a, b);
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (a instanceof Date && b instanceof Date) return Object.is(a.getTime(), b.getTime());
  if (a instanceof Map && b instanceof Map) return sameList([...a], [...b]);
  if (a instanceof Set && b instanceof Set) return sameList([...a], [...b]);
  const keys = Reflect.ownKeys(a);
  const other = Reflect.ownKeys(b);
  if (keys.length !== other.length || keys.some((key, index) => key !== other[index])) return false;
  return keys.every((key) => exactlyEqual(Reflect.get(a, key), Reflect.get(b, key)));
}

function sameList(a: unknown[], b: unknown[]): boolean {
  return a.length === b.length && a.every((item, index) => exactlyEqual(item, b[index]));
}
