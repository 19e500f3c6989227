import type { Serializer } from "./serializer.js";

// The merge after a lost compare-and-swap: what this save changed, relative to what it loaded,
// applied key by key onto the row as it is now.

/** The keys one save set (or changed in place) and the keys it deleted. */
export interface Changes {
  set: Map<string, unknown>;
  deleted: string[];
}

/** Keys this save set (or changed in place) and deleted, relative to what it loaded. */
export function diff(serializer: Serializer, base: Record<string, unknown>, data: Map<string, unknown>): Changes {
  const set = new Map<string, unknown>();
  for (const [key, value] of data) {
    const same =
      Object.hasOwn(base, key) && serializer.stringify({ [key]: value }) === serializer.stringify({ [key]: base[key] });
    if (!same) set.set(key, value);
  }
  const deleted = Object.keys(base).filter((key) => !data.has(key));
  return { set, deleted };
}

/** The fresh row's data with `changes` applied onto it. */
export function apply(fresh: Record<string, unknown>, changes: Changes): Map<string, unknown> {
  const data = new Map(Object.entries(fresh));
  for (const key of changes.deleted) data.delete(key);
  for (const [key, value] of changes.set) data.set(key, value);
  return data;
}
