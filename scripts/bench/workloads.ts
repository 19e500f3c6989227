// What the callers ask for: only loads, or the request mix of 80% loads, 15% saves (load, change
// one key, save) and 5% touches (load, then a save that only extends the due deadline).
import { type Op, random } from "./measure.js";

export const MIX = { get: 0.8, set: 0.15, touch: 0.05 } as const;

export interface Workload {
  next(): Op;
  /** Requests of each kind issued so far, and touches that found no due row left. */
  counts(): { get: number; set: number; touch: number; staleTouches: number };
}

function pick(draw: () => number, size: number): number {
  return Math.floor(draw() * size);
}

export function loadsOnly(keys: readonly string[], seed: number): Workload {
  const draw = random(seed);
  let get = 0;
  return {
    next: () => {
      get++;
      return { kind: "get", key: keys[pick(draw, keys.length)] ?? "", value: 0 };
    },
    counts: () => ({ get, set: 0, touch: 0, staleTouches: 0 }),
  };
}

/**
 * The mix. Every row starts due for a touch (see `rearmTouches`); a save or touch makes its row
 * no longer due, so touches take rows nothing has written yet in this run, and a touch is always
 * a real write, for every subject alike.
 */
export function mixed(keys: readonly string[], seed: number): Workload {
  const draw = random(seed);
  const written = new Uint8Array(keys.length);
  const order = Array.from(keys, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = pick(draw, i + 1);
    [order[i], order[j]] = [order[j] ?? j, order[i] ?? i];
  }
  let next = 0;
  const counts = { get: 0, set: 0, touch: 0, staleTouches: 0 };
  const key = (index: number) => keys[index] ?? "";
  return {
    next: () => {
      const roll = draw();
      if (roll < MIX.get) {
        counts.get++;
        return { kind: "get", key: key(pick(draw, keys.length)), value: 0 };
      }
      if (roll < MIX.get + MIX.set) {
        counts.set++;
        const index = pick(draw, keys.length);
        written[index] = 1;
        return { kind: "set", key: key(index), value: counts.set };
      }
      counts.touch++;
      while (next < order.length && written[order[next] ?? 0] === 1) next++;
      let index = order[next++];
      if (index === undefined) {
        counts.staleTouches++;
        index = pick(draw, keys.length);
      }
      written[index] = 1;
      return { kind: "touch", key: key(index), value: 0 };
    },
    counts: () => ({ ...counts }),
  };
}
