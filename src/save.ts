import { add } from "date-fns";
import { isRotationMarker, type SessionWrite, type StoredSession } from "./connector.js";
import { SessionConflict, SessionError, SessionExpired, SessionInterrupted } from "./errors.js";
import { computeDeadlines, type ExpiryChoice, initialDeadlines, isLive, touchDeadline } from "./expiry.js";
import { generateSessionKey, hashSessionKey } from "./keys.js";
import type { ResolvedSessionOptions } from "./options.js";
import { type Serializer, serializeData } from "./serializer.js";
import { callConnector } from "./storage-call.js";
import { queueWrite } from "./write-queue.js";

/** What a `SessionStore` hands to a save. */
export interface SaveState {
  key: string | null;
  row: StoredSession | null;
  data: Map<string, unknown>;
  expiry: ExpiryChoice | undefined;
  userId: { value: string | null } | undefined;
  /** Write even if nothing differs from the stored row (the `modified` flag). */
  forced: boolean;
  /** `data` as the store already serialized it, so that a save serializes once. */
  text?: string;
}

/** The state after a successful save. */
export interface SaveResult {
  key: string;
  row: StoredSession;
  data: Map<string, unknown>;
}

interface Changes {
  set: Map<string, unknown>;
  deleted: string[];
}

/** Number of fresh keys tried when an insert collides (it never should: 190 random bits). */
const CREATE_ATTEMPTS = 3;

/**
 * Persists a session: insert for a new one, a deadline-only touch when nothing else changed,
 * otherwise a compare-and-swap that merges this store's own changes onto concurrent ones.
 */
export async function writeSession(options: ResolvedSessionOptions, state: SaveState): Promise<SaveResult> {
  const { row, key } = state;
  if (row === null || key === null) return create(options, state);
  const text = state.text === undefined ? encode(options, state.data) : checkSize(options, state.text);
  const rotating = hashSessionKey(key) !== row.id;
  const onlyTouch =
    !rotating && !state.forced && state.expiry === undefined && state.userId === undefined && text === row.data;
  if (!onlyTouch) return queueWrite(options.connector, row.id, () => compareAndSwap(options, state, row, key, text));
  const now = options.clock();
  const expiresAt = touchDeadline(options.policy, row, now);
  if (expiresAt === null) return { key, row, data: state.data };
  const touched = await callConnector(options, "touch", (c) => c.touchSession(row.id, expiresAt, now));
  return { key, row: touched ? { ...row, expiresAt, updatedAt: now } : row, data: state.data };
}

async function create(options: ResolvedSessionOptions, state: SaveState): Promise<SaveResult> {
  const now = options.clock();
  const deadlines = computeDeadlines(
    options.policy,
    state.expiry ?? { kind: "default" },
    now,
    initialDeadlines(options.policy, now),
  );
  refuseExpired(deadlines.expiresAt, now);
  const data = encode(options, state.data);
  for (let attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
    const key = attempt === 0 && state.key !== null ? state.key : generateSessionKey();
    const row: StoredSession = {
      id: hashSessionKey(key),
      data,
      userId: state.userId?.value ?? null,
      version: 1,
      ...deadlines,
      createdAt: now,
      updatedAt: now,
    };
    if (await callConnector(options, "save", (c) => c.createSession(row))) return { key, row, data: state.data };
  }
  throw new SessionConflict("Could not insert the session under a fresh key");
}

async function compareAndSwap(
  options: ResolvedSessionOptions,
  state: SaveState,
  loaded: StoredSession,
  key: string,
  text: string,
): Promise<SaveResult> {
  // This store's own changes matter only once a compare-and-swap is lost: work them out then.
  let changes: Changes | undefined;
  let encoded: string | undefined = text;
  const id = hashSessionKey(key);
  let row = loaded;
  let data = state.data;
  for (let attempt = 1; ; attempt++) {
    const now = options.clock();
    const deadlines = computeDeadlines(options.policy, state.expiry, now, row);
    refuseExpired(deadlines.expiresAt, now);
    const write: SessionWrite = {
      data: encoded ?? encode(options, data),
      userId: state.userId ? state.userId.value : row.userId,
      ...deadlines,
      updatedAt: now,
    };
    const written = id === row.id ? await update(options, row, write) : await rotate(options, row, id, write, now);
    if (written !== null) return { key, data, row: written };
    if (attempt >= options.maxSaveAttempts) {
      throw new SessionConflict(`The session kept changing: gave up after ${attempt} attempts`);
    }
    options.logger.debug?.("session changed concurrently; merging and retrying", { attempt });
    await backoff(attempt);
    const base = row;
    const fresh = await callConnector(options, "save", (c) => c.getSession(base.id));
    refuseGone(options, fresh);
    changes ??= diff(options.serializer, options.serializer.parse(loaded.data), state.data);
    row = fresh;
    data = apply(options.serializer.parse(fresh.data), changes);
    encoded = undefined;
  }
}

/** Throws `SessionInterrupted` unless `row` is a live session (not gone, expired or a rotation marker). */
export function refuseGone(options: ResolvedSessionOptions, row: StoredSession | null): asserts row is StoredSession {
  if (row !== null && isRotationMarker(row)) {
    throw new SessionInterrupted("The session moved to a new key while this request held it", { reason: "rotated" });
  }
  if (row === null || !isLive(row.expiresAt, options.clock(), options.clockToleranceMs)) {
    throw new SessionInterrupted("The session was destroyed or expired while this request held it");
  }
}

/** One compare-and-swap of the row; the row as written, or `null` when it changed meanwhile. */
async function update(
  options: ResolvedSessionOptions,
  row: StoredSession,
  write: SessionWrite,
): Promise<StoredSession | null> {
  const written = await callConnector(options, "save", (c) => c.updateSession(row.id, row.version, write));
  return written ? { ...row, ...write, version: row.version + 1 } : null;
}

/**
 * Moves the session to the id `id` (a rotated key): inserts the new row, then turns the old one
 * into a rotation marker by compare-and-swap, so that at every moment the old key finds either the
 * session as it was or the marker, never nothing (a request still carrying it must not start a
 * session of its own). When the old row changed meanwhile, the new one is removed again and
 * `null` returned: the caller merges and retries, as for any lost compare-and-swap.
 */
async function rotate(
  options: ResolvedSessionOptions,
  row: StoredSession,
  id: string,
  write: SessionWrite,
  now: Date,
): Promise<StoredSession | null> {
  const moved: StoredSession = { ...row, ...write, id, version: 1 };
  if (!(await callConnector(options, "save", (c) => c.createSession(moved)))) {
    throw new SessionConflict("The rotated key is taken (it never should be: 190 random bits)");
  }
  const until = add(now, options.rotationGrace);
  const marker: SessionWrite = {
    data: "",
    userId: null,
    expiresAt: until,
    absoluteExpiresAt: until,
    browserSession: false,
    updatedAt: now,
  };
  if (await callConnector(options, "save", (c) => c.updateSession(row.id, row.version, marker))) return moved;
  await callConnector(options, "save", (c) => c.destroySession(id));
  return null;
}

/** Keys this store set (or changed in place) and deleted, relative to what it loaded. */
function diff(serializer: Serializer, base: Record<string, unknown>, data: Map<string, unknown>): Changes {
  const set = new Map<string, unknown>();
  for (const [key, value] of data) {
    const same =
      Object.hasOwn(base, key) && serializer.stringify({ [key]: value }) === serializer.stringify({ [key]: base[key] });
    if (!same) set.set(key, value);
  }
  const deleted = Object.keys(base).filter((key) => !data.has(key));
  return { set, deleted };
}

function apply(fresh: Record<string, unknown>, changes: Changes): Map<string, unknown> {
  const data = new Map(Object.entries(fresh));
  for (const key of changes.deleted) data.delete(key);
  for (const [key, value] of changes.set) data.set(key, value);
  return data;
}

function encode(options: ResolvedSessionOptions, data: Map<string, unknown>): string {
  return checkSize(options, serializeData(options.serializer, Object.fromEntries(data)));
}

function checkSize(options: ResolvedSessionOptions, text: string): string {
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > options.maxPayloadBytes) {
    throw new SessionError(
      `Session payload is ${bytes} bytes, over the limit of ${options.maxPayloadBytes} (maxPayloadBytes)`,
      "PAYLOAD_TOO_LARGE",
    );
  }
  return text;
}

function refuseExpired(expiresAt: Date, now: Date): void {
  if (expiresAt.getTime() <= now.getTime()) {
    throw new SessionExpired(`Cannot save an expired session (deadline ${expiresAt.toISOString()}); use setExpiry()`);
  }
}

/** Full-jitter exponential backoff, capped at 100 ms, so colliding writers spread out. */
function backoff(attempt: number): Promise<void> {
  const delay = Math.random() * Math.min(100, 2 ** attempt * 2);
  return new Promise((resolve) => setTimeout(resolve, delay));
}
