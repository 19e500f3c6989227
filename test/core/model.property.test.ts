// Model-based test: random interleavings of open/load, set, delete, save, rotate and destroy by
// several stores on one session (the stores split over two connectors, as two processes would
// have), checked after every step against a reference model of what the README promises: no
// write is lost, no session is resurrected, a rotated key never reaches the new session.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { jsonSerializer, SessionInterrupted, SessionManager, type SessionStore } from "../../src/index.js";
import { type Backend, backendNames, openBackend } from "../support/backends.js";

const SEED = Number(process.env.FC_SEED ?? 20261201);
const STORES = 3;
const NAMES = ["a", "b", "c"] as const;

type Data = Record<string, number>;
/** What a storage id holds, in the model. */
type RowState = { kind: "live"; data: Data } | { kind: "marker" } | { kind: "gone" };

interface ModelStore {
  /** The key the store would send in a cookie (after a pending rotation: the new one). */
  key: string | null;
  /** The key of the row it read or last wrote; `null` for a session not stored. */
  rowKey: string | null;
  superseded: boolean;
  /** Data as loaded or last saved, and as changed since. */
  base: Data;
  data: Data;
  rotating: boolean;
  /** `set()`, or `delete()` of a key that was there, marks the store modified: its save writes. */
  modified: boolean;
}

interface Model {
  rows: Map<string, RowState>;
  stores: ModelStore[];
}

interface Real {
  managers: SessionManager[];
  stores: SessionStore[];
  backend: Backend;
}

function emptyStore(): ModelStore {
  return { key: null, rowKey: null, superseded: false, base: {}, data: {}, rotating: false, modified: false };
}

function changes(store: ModelStore): { set: Data; deleted: string[] } {
  const set: Data = {};
  for (const [name, value] of Object.entries(store.data)) if (store.base[name] !== value) set[name] = value;
  const deleted = Object.keys(store.base).filter((name) => !(name in store.data));
  return { set, deleted };
}

function hasChanges(store: ModelStore): boolean {
  const { set, deleted } = changes(store);
  return Object.keys(set).length > 0 || deleted.length > 0;
}

function applied(stored: Data, store: ModelStore): Data {
  const { set, deleted } = changes(store);
  const next = { ...stored };
  for (const name of deleted) delete next[name];
  return { ...next, ...set };
}

/** The outcome the model predicts for a save (or destroy) of store `i`, applied to the model. */
type Outcome = "ok" | "destroyed" | "rotated";

function modelSave(model: Model, i: number, realKey: string | null): Outcome {
  const store = model.stores[i] as ModelStore;
  if (!hasChanges(store) && !store.rotating && !store.modified) return "ok";
  if (store.superseded) return "rotated";
  if (store.rowKey === null) {
    // A new session: stored under the key the real store now has.
    if (realKey === null) throw new Error("a saved new session has a key");
    model.rows.set(realKey, { kind: "live", data: { ...store.data } });
    Object.assign(store, { key: realKey, rowKey: realKey, base: { ...store.data }, rotating: false, modified: false });
    return "ok";
  }
  const row = model.rows.get(store.rowKey) ?? { kind: "gone" };
  if (row.kind === "gone") return "destroyed";
  if (row.kind === "marker") return "rotated";
  const merged = applied(row.data, store);
  if (store.rotating && store.key !== null) {
    model.rows.set(store.rowKey, { kind: "marker" });
    model.rows.set(store.key, { kind: "live", data: merged });
    store.rowKey = store.key;
  } else {
    model.rows.set(store.rowKey, { kind: "live", data: merged });
  }
  Object.assign(store, { base: { ...merged }, data: { ...merged }, rotating: false, modified: false });
  return "ok";
}

async function realOutcome(work: Promise<unknown>): Promise<Outcome> {
  try {
    await work;
    return "ok";
  } catch (error) {
    if (error instanceof SessionInterrupted) return error.reason;
    throw error;
  }
}

/** Every row and every store as the model says; stored state read with raw SQL. */
async function check(model: Model, real: Real): Promise<void> {
  for (const [key, state] of model.rows) {
    const row = await real.backend.readRow(real.managers[0]?.idOf(key) ?? "");
    if (state.kind === "gone") expect(row).toBeNull();
    else if (state.kind === "marker") expect(row?.data).toBe("");
    else expect(jsonSerializer.parse(row?.data ?? "[1,{}]")).toEqual(state.data);
  }
  model.stores.forEach((store, i) => {
    const actual = real.stores[i] as SessionStore;
    expect(actual.superseded).toBe(store.superseded);
    if (!store.superseded) expect(actual.toJSON()).toEqual(store.data);
  });
}

type Command = fc.AsyncCommand<Model, Real>;

class Open implements Command {
  constructor(
    readonly i: number,
    readonly pick: number,
  ) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const keys = [...model.rows.keys()];
    const key = keys.length === 0 ? null : (keys[this.pick % keys.length] ?? null);
    const store = (real.managers[this.i % real.managers.length] as SessionManager).open(key);
    await store.load();
    real.stores[this.i] = store;
    const state = key === null ? undefined : model.rows.get(key);
    model.stores[this.i] =
      state?.kind === "live"
        ? { ...emptyStore(), key, rowKey: key, base: { ...state.data }, data: { ...state.data } }
        : state?.kind === "marker"
          ? { ...emptyStore(), key, superseded: true }
          : emptyStore();
    await check(model, real);
  }
  toString = () => `open(${this.i}, key #${this.pick})`;
}

class Set_ implements Command {
  constructor(
    readonly i: number,
    readonly name: (typeof NAMES)[number],
    readonly value: number,
  ) {}
  check = (model: Readonly<Model>) => !model.stores[this.i]?.superseded;
  async run(model: Model, real: Real): Promise<void> {
    (real.stores[this.i] as SessionStore).set(this.name, this.value);
    const store = model.stores[this.i] as ModelStore;
    store.data[this.name] = this.value;
    store.modified = true;
  }
  toString = () => `set(${this.i}, ${this.name}=${this.value})`;
}

class Delete implements Command {
  constructor(
    readonly i: number,
    readonly name: (typeof NAMES)[number],
  ) {}
  check = (model: Readonly<Model>) => !model.stores[this.i]?.superseded;
  async run(model: Model, real: Real): Promise<void> {
    const existed = (real.stores[this.i] as SessionStore).delete(this.name);
    const store = model.stores[this.i] as ModelStore;
    expect(existed).toBe(this.name in store.data);
    if (existed) store.modified = true;
    delete store.data[this.name];
  }
  toString = () => `delete(${this.i}, ${this.name})`;
}

class Save implements Command {
  constructor(readonly i: number) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const store = real.stores[this.i] as SessionStore;
    const outcome = await realOutcome(store.save());
    expect(outcome).toBe(modelSave(model, this.i, store.sessionKey));
    if (outcome !== "ok") {
      // A refused store is done: its request answered 409. Start it afresh.
      real.stores[this.i] = (real.managers[0] as SessionManager).open(null);
      model.stores[this.i] = emptyStore();
    }
    await check(model, real);
  }
  toString = () => `save(${this.i})`;
}

/** Two stores save at once, through different connectors: any serial order is a correct result. */
class ParallelSave implements Command {
  constructor(
    readonly i: number,
    readonly j: number,
  ) {}
  check = (model: Readonly<Model>) =>
    this.i !== this.j && [this.i, this.j].every((k) => !model.stores[k]?.rotating && model.stores[k]?.rowKey !== null);
  async run(model: Model, real: Real): Promise<void> {
    const [a, b] = [real.stores[this.i] as SessionStore, real.stores[this.j] as SessionStore];
    const outcomes = await Promise.all([realOutcome(a.save()), realOutcome(b.save())]);
    const orders = [
      [this.i, this.j],
      [this.j, this.i],
    ].map((order) => {
      const copy: Model = { rows: new Map(model.rows), stores: model.stores.map((s) => structuredClone(s)) };
      const predicted = new Map(order.map((k) => [k, modelSave(copy, k, real.stores[k]?.sessionKey ?? null)]));
      return { copy, predicted: [predicted.get(this.i), predicted.get(this.j)] };
    });
    const stored = async (copy: Model) => {
      for (const [key, state] of copy.rows) {
        const row = await real.backend.readRow(real.managers[0]?.idOf(key) ?? "");
        if (
          state.kind === "live" &&
          JSON.stringify(jsonSerializer.parse(row?.data ?? "[1,{}]")) !== JSON.stringify(state.data)
        ) {
          return false;
        }
      }
      return true;
    };
    let chosen: Model | undefined;
    for (const { copy, predicted } of orders) {
      if (predicted[0] === outcomes[0] && predicted[1] === outcomes[1] && (await stored(copy))) chosen = copy;
    }
    expect(chosen).toBeDefined();
    if (chosen === undefined) return;
    model.rows = chosen.rows;
    model.stores = chosen.stores;
    [this.i, this.j].forEach((k, index) => {
      if (outcomes[index] !== "ok") {
        real.stores[k] = (real.managers[0] as SessionManager).open(null);
        model.stores[k] = emptyStore();
      }
    });
    await check(model, real);
  }
  toString = () => `parallelSave(${this.i}, ${this.j})`;
}

class Rotate implements Command {
  constructor(readonly i: number) {}
  check = (model: Readonly<Model>) => !model.stores[this.i]?.superseded;
  async run(model: Model, real: Real): Promise<void> {
    const key = await (real.stores[this.i] as SessionStore).assignNewSessionKey();
    Object.assign(model.stores[this.i] as ModelStore, { key, rotating: true, modified: true });
  }
  toString = () => `rotate(${this.i})`;
}

class Destroy implements Command {
  constructor(readonly i: number) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const store = model.stores[this.i] as ModelStore;
    const outcome = await realOutcome((real.stores[this.i] as SessionStore).destroy());
    if (store.superseded) {
      expect(outcome).toBe("rotated");
    } else {
      expect(outcome).toBe("ok");
      // The row it read (or its key's row): gone, whatever it had become (a marker, too).
      const target = store.rowKey ?? store.key;
      if (target !== null && model.rows.has(target)) model.rows.set(target, { kind: "gone" });
      model.stores[this.i] = emptyStore();
    }
    if (outcome !== "ok") {
      real.stores[this.i] = (real.managers[0] as SessionManager).open(null);
      model.stores[this.i] = emptyStore();
    }
    await check(model, real);
  }
  toString = () => `destroy(${this.i})`;
}

const store = fc.nat(STORES - 1);
const name = fc.constantFrom(...NAMES);
const open = fc.tuple(store, fc.nat(7)).map(([i, pick]) => new Open(i, pick));
const set = fc.tuple(store, name, fc.integer({ min: 0, max: 9 })).map(([i, n, v]) => new Set_(i, n, v));
const save = store.map((i) => new Save(i));
const parallelSave = fc.tuple(store, store).map(([i, j]) => new ParallelSave(i, j));
// Repeated entries weigh the draw: mostly changes and saves, which race; rotations and log-outs
// now and then, so that runs do not end in a destroyed session after a few steps.
const commands = fc.commands(
  [
    open,
    open,
    set,
    set,
    set,
    set,
    fc.tuple(store, name).map(([i, n]) => new Delete(i, n)),
    save,
    save,
    save,
    parallelSave,
    parallelSave,
    store.map((i) => new Rotate(i)),
    store.map((i) => new Destroy(i)),
  ],
  { maxCommands: 40, size: "large" },
);

describe.each(backendNames)("random interleavings on %s, against the model", (backendName) => {
  let backend: Backend;
  let managers: SessionManager[];

  beforeAll(async () => {
    backend = await openBackend(backendName);
    managers = [backend.connector, backend.openConnector()].map((connector) => new SessionManager({ connector }));
  });
  afterAll(() => backend.close());

  it("lose no write, resurrect no session, and never let a rotated key reach the new session", async () => {
    await fc.assert(
      fc.asyncProperty(commands, async (steps) => {
        // Every run starts from one stored session, opened by every store.
        const first = (managers[0] as SessionManager).open(null);
        first.set("a", 0);
        await first.save();
        const key = first.sessionKey as string;
        const model: Model = { rows: new Map([[key, { kind: "live", data: { a: 0 } }]]), stores: [] };
        const real: Real = { managers, stores: [], backend };
        for (let i = 0; i < STORES; i++) await new Open(i, 0).run(model, real);
        await fc.asyncModelRun(() => ({ model, real }), steps);
        if (process.env.MODEL_DEBUG) console.log(String(steps));
      }),
      { seed: SEED, numRuns: 20 },
    );
  });
});
