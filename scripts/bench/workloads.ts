// What the concurrent callers do: only loads, or the request mix of 80% loads, 15% saves and
// 5% touches over the seeded sessions.
import { random } from "./measure.js";
import type { Subject } from "./subjects.js";

export const MIX = { load: 0.8, save: 0.15, touch: 0.05 } as const;

export interface Workload {
  op(caller: number): Promise<void>;
  /** Operations of each kind issued so far, and touches that found no due row left. */
  counts(): { load: number; save: number; touch: number; staleTouches: number };
}

function pick(draw: () => number, size: number): number {
  return Math.floor(draw() * size);
}

export function loadsOnly(subject: Subject, keys: readonly string[], seed: number): Workload {
  const draw = random(seed);
  let load = 0;
  return {
    op: () => {
      load++;
      return subject.load(keys[pick(draw, keys.length)] ?? "");
    },
    counts: () => ({ load, save: 0, touch: 0, staleTouches: 0 }),
  };
}

/**
 * The mix. Every row starts due for a touch (see `rearmTouches`); a save or touch makes its row
 * no longer due, so touches take rows nothing has written yet in this run, and a touch is always
 * a real write, as in the raw subject.
 */
export function mixed(subject: Subject, keys: readonly string[], seed: number): Workload {
  const draw = random(seed);
  const written = new Uint8Array(keys.length);
  const order = Array.from(keys, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = pick(draw, i + 1);
    [order[i], order[j]] = [order[j] ?? j, order[i] ?? i];
  }
  let next = 0;
  const counts = { load: 0, save: 0, touch: 0, staleTouches: 0 };
  const key = (index: number) => keys[index] ?? "";
  return {
    op: () => {
      const roll = draw();
      if (roll < MIX.load) {
        counts.load++;
        return subject.load(key(pick(draw, keys.length)));
      }
      if (roll < MIX.load + MIX.save) {
        counts.save++;
        const index = pick(draw, keys.length);
        written[index] = 1;
        return subject.loadAndSave(key(index), counts.save);
      }
      counts.touch++;
      while (next < order.length && written[order[next] ?? 0] === 1) next++;
      let index = order[next++];
      if (index === undefined) {
        counts.staleTouches++;
        index = pick(draw, keys.length);
      }
      written[index] = 1;
      return subject.loadAndTouch(key(index));
    },
    counts: () => ({ ...counts }),
  };
}
