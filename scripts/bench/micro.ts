// `npx tsx scripts/bench/micro.ts`: what each piece of a request costs in the core at concurrency 1,
// with no database (a connector that answers at once with a ~1 KB row). Node CPU (user + system)
// per call in µs, and the wall time per call for the pieces that wait (timer, event-loop hop).
// Not part of `npm run bench`; compare with the raw baseline's CPU per load and per save there.
import { performance } from "node:perf_hooks";
import type { SessionData as ExpressData } from "express-session";
import type { SessionConnector, SessionInventory, StoredSession } from "../../src/connector.js";
import { BatchLoader } from "../../src/connectors/batch-loader.js";
import { ExpressSessionStore } from "../../src/integrations/express-store.js";
import { generateSessionKey, hashSessionKey, isValidSessionKey } from "../../src/keys.js";
import { jsonSerializer, serializeData } from "../../src/serializer.js";
import { SessionManager } from "../../src/session-manager.js";
import { callConnector } from "../../src/storage-call.js";
import { expressData, sampleData } from "./database.js";
import { table } from "./report.js";

const DAY_MS = 86_400_000;
const key = generateSessionKey();
const now = Date.now();
const nativeText = jsonSerializer.stringify(sampleData(1));
const expressText = jsonSerializer.stringify(expressData(1, new Date(now + 3 * DAY_MS)));

function row(text: string): StoredSession {
  return {
    id: hashSessionKey(key),
    data: text,
    userId: null,
    version: 1,
    expiresAt: new Date(now + 3 * DAY_MS),
    absoluteExpiresAt: new Date(now + 30 * DAY_MS),
    browserSession: false,
    userAgent: null,
    clientAddress: null,
    createdAt: new Date(now),
    updatedAt: new Date(now),
  };
}

/** Answers at once; `text` is the stored data every read returns. */
function instant(text: string): SessionConnector & SessionInventory {
  return {
    getSession: async () => row(text),
    createSession: async () => true,
    updateSession: async () => true,
    touchSession: async () => true,
    destroySession: async () => {},
    listUserSessions: async () => [],
    destroyUserSessions: async () => 0,
    currentTime: async () => new Date(),
    deleteExpiredSessions: async () => ({ deleted: 0, last: null }),
    countExpiredSessions: async () => 0,
    countSessions: async () => 0,
    listSessions: async () => [],
    destroyAllSessions: async () => 0,
  };
}

/**
 * Prototype of a cheaper encodeData for data whose only non-JSON values are Dates (the common
 * case): one walk that records where the Dates sit, then JSON.stringify, which writes each Date
 * through its toJSON (the same ISO text), instead of a second walk that copies the whole tree.
 * Falls back to encodeData for anything else. Checked below to give byte-identical text.
 */
function encodeDatesInPlace(data: Record<string, unknown>): string {
  const dates: (string | number)[][] = [];
  const path: (string | number)[] = [];
  const walk = (value: unknown): boolean => {
    if (typeof value !== "object" || value === null) {
      return (
        typeof value === "string" ||
        typeof value === "boolean" ||
        (typeof value === "number" && Number.isFinite(value) && !Object.is(value, -0))
      );
    }
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto === Date.prototype) {
      if (Number.isNaN(Date.prototype.getTime.call(value))) return false;
      dates.push([...path]);
      return true;
    }
    if (Array.isArray(value)) {
      if (Object.keys(value).length !== value.length) return false;
      for (let index = 0; index < value.length; index++) {
        if (!Object.hasOwn(value, index)) return false;
        path.push(index);
        const ok = walk(value[index]);
        path.pop();
        if (!ok) return false;
      }
      return true;
    }
    if (proto !== Object.prototype && proto !== null) return false;
    if (Object.getOwnPropertySymbols(value).length > 0) return false;
    for (const key of Object.keys(value)) {
      path.push(key);
      const ok = walk(Reflect.get(value, key));
      path.pop();
      if (!ok) return false;
    }
    return true;
  };
  // Anything but JSON values and Dates (and every refusal) is encodeData's to handle.
  if (!walk(data) || path.length > 0) return jsonSerializer.stringify(data);
  if (dates.length === 0) return `[1,${JSON.stringify(data)}]`;
  return JSON.stringify([1, data, dates.map((at) => [at, "Date"])]);
}

type Cell = string | number;
const rows: Cell[][] = [];

/** CPU and wall time per call of `call`, after a quarter as many calls of warm-up. */
async function measure(group: string, name: string, n: number, call: () => unknown): Promise<number> {
  for (let i = 0; i < n / 4; i++) await call();
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < n; i++) await call();
  const wall = ((performance.now() - start) * 1000) / n;
  const used = process.cpuUsage(cpu);
  const cpuUs = (used.user + used.system) / n;
  rows.push([group, name, cpuUs, wall]);
  return cpuUs;
}

const connector = instant(nativeText);
const sessions = new SessionManager<{ counter: number }>({ connector });
const untimed = new SessionManager<{ counter: number }>({ connector, operationTimeout: 0 });
const nativeData = jsonSerializer.parse(nativeText);
const expressParsed = jsonSerializer.parse(expressText);
const id = hashSessionKey(key);

// Key handling: every load hashes once, a save hashes again (and #pending once more when the data did not change).
await measure("keys", "hashSessionKey (SHA-256 hex)", 200_000, () => hashSessionKey(key));
await measure("keys", "isValidSessionKey (regex)", 200_000, () => isValidSessionKey(key));

// Serialization of ~1 KB.
await measure("serialize", "encodeData, data with Dates (walk + encode + JSON)", 50_000, () =>
  jsonSerializer.stringify(nativeData),
);
await measure("serialize", "encodeData, JSON-only data (walk + JSON)", 50_000, () =>
  jsonSerializer.stringify(expressParsed),
);
await measure("serialize", "JSON.stringify alone, same JSON-only data", 50_000, () => JSON.stringify(expressParsed));
if (encodeDatesInPlace(nativeData) !== jsonSerializer.stringify(nativeData)) throw new Error("prototype differs");
await measure("serialize", "prototype: Dates noted in one walk, then JSON.stringify", 50_000, () =>
  encodeDatesInPlace(nativeData),
);
await measure("serialize", "decodeData, data with Dates", 50_000, () => jsonSerializer.parse(nativeText));
await measure("serialize", "decodeData, JSON-only data", 50_000, () => jsonSerializer.parse(expressText));
await measure("serialize", "JSON.parse alone, same text", 50_000, () => JSON.parse(expressText));
await measure("serialize", "Buffer.byteLength (payload size check)", 200_000, () => Buffer.byteLength(nativeText));

// The in-place-mutation check: needsUpdate() (and save() of an unchanged session) serializes the data.
const loadedStore = sessions.open(key);
await loadedStore.load();
await measure("core", "needsUpdate() on a loaded, unchanged session", 50_000, () => loadedStore.needsUpdate());
await measure("core", "the same with a changed flag (no serialization)", 200_000, () => {
  loadedStore.modified = true;
  const due = loadedStore.needsUpdate();
  loadedStore.modified = false;
  return due;
});

// The connector-call wrapper and its timer.
await measure("call", "connector.getSession() directly", 100_000, () => connector.getSession(id));
await measure("call", "callConnector(), operationTimeout 0 (no timer)", 100_000, () =>
  callConnector(untimed.options, "load", (c) => c.getSession(id)),
);
await measure("call", "callConnector(), operationTimeout 5000 (timer + race)", 100_000, () =>
  callConnector(sessions.options, "load", (c) => c.getSession(id)),
);
const loader = new BatchLoader<StoredSession>(async (ids) => new Map(ids.map((one) => [one, row(nativeText)])));
await measure("call", "BatchLoader.load(), alone (setImmediate hop)", 50_000, () => loader.load(id));
await measure("call", "setImmediate hop alone", 50_000, () => new Promise((resolve) => setImmediate(resolve)));
await measure("call", "process.nextTick hop alone", 100_000, () => new Promise((resolve) => process.nextTick(resolve)));

// Whole requests through the core, no I/O.
await measure("request", "native load", 30_000, () => sessions.open(key).load());
await measure("request", "native load + save of an unchanged session (touch check)", 30_000, async () => {
  const store = sessions.open(key);
  await store.load();
  await store.save();
});
await measure("request", "native load + set + save", 30_000, async () => {
  const store = sessions.open(key);
  await store.load();
  store.set("counter", 1);
  await store.save();
});
await measure("request", "native load + set + save, operationTimeout 0", 30_000, async () => {
  const store = untimed.open(key);
  await store.load();
  store.set("counter", 1);
  await store.save();
});
const expressStore = new ExpressSessionStore({ connector: instant(expressText) });
const get = () =>
  new Promise<ExpressData | null | undefined>((resolve, reject) =>
    expressStore.get(key, (error: unknown, value?: ExpressData | null) => (error ? reject(error) : resolve(value))),
  );
await measure("request", "ExpressSessionStore get", 30_000, get);
const expressSession = await get();
if (!expressSession) throw new Error("no session");
await measure("request", "ExpressSessionStore set (of the object get returned)", 30_000, async () => {
  Reflect.set(expressSession, "counter", Math.random());
  await new Promise<void>((resolve, reject) =>
    expressStore.set(key, expressSession, (error: unknown) => (error ? reject(error) : resolve())),
  );
});
await measure("request", "its JSON.parse(JSON.stringify(session)) copy", 50_000, () =>
  JSON.parse(JSON.stringify(expressSession)),
);
await measure("request", "its encodeData after the copy (serializeData)", 50_000, () =>
  serializeData(jsonSerializer, expressParsed),
);
// A JSON round trip leaves nothing encodeData would note, so the stored text is the JSON in the envelope.
const copied: Record<string, unknown> = JSON.parse(JSON.stringify(expressSession));
if (`[1,${JSON.stringify(expressSession)}]` !== jsonSerializer.stringify(copied)) throw new Error("prototype differs");
await measure(
  "request",
  "prototype: the stored text from one JSON.stringify",
  50_000,
  () => `[1,${JSON.stringify(expressSession)}]`,
);

console.log(
  `\ncore costs at concurrency 1, no I/O (native data ${nativeText.length} B, express ${expressText.length} B)\n`,
);
table(["group", "piece", "CPU µs/call", "wall µs/call"], rows);
