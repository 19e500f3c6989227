import { add } from "date-fns";
import { type ClientInfo, isRotationMarker, type SessionWrite, type StoredSession } from "./connector.js";
import { utf8ByteLength } from "./digest.js";
import { SessionConflict, SessionError, SessionExpired, SessionInterrupted } from "./errors.js";
import { computeDeadlines, type ExpiryChoice, initialDeadlines, isLive, touchDeadline } from "./expiry.js";
import { apply, type Changes, diff } from "./merge.js";
import { serializeData } from "./serializer.js";
import type { ResolvedSessionOptions } from "./session-options.js";
import { callConnector } from "./storage-call.js";
import { isWriteConflict } from "./storage-errors.js";
import { queueWrite } from "./write-queue.js";

/** What a save is asked to store. */
export interface SaveState {
  /**
   * The storage id to write under. Differs from `row.id` when the key was rotated: the session
   * then moves to it.
   */
  id: string;
  /** The row as last read or written; `null` for a session that is not stored (as far as the caller knows). */
  row: StoredSession | null;
  data: Map<string, unknown>;
  expiry: ExpiryChoice | undefined;
  userId: { value: string | null } | undefined;
  /** Write even if nothing differs from the stored row (the `modified` flag). */
  forced: boolean;
  /** `data` as the caller already serialized it, so that a save serializes once. */
  text?: string;
  /** Where the request comes from: recorded with the write (and the touch), for device lists. */
  client?: ClientInfo | undefined;
}

/** The state after a successful save: the row as stored and the data it holds (merged, after a lost race). */
export interface SaveResult {
  row: StoredSession;
  data: Map<string, unknown>;
}

/**
 * Persists a session: an insert for a new one, a deadline-only touch when nothing else changed,
 * otherwise a compare-and-swap. A lost compare-and-swap (or an insert whose id another writer took
 * first) re-reads the row and applies this save's own changes onto it, key by key; a row that is
 * gone, expired or moved to a new key meanwhile is never written again (`SessionInterrupted`).
 */
export async function writeSession(options: ResolvedSessionOptions, state: SaveState): Promise<SaveResult> {
  const { row } = state;
  const text = state.text === undefined ? encode(options, state.data) : checkSize(options, state.text);
  const onlyTouch =
    row !== null &&
    state.id === row.id &&
    !state.forced &&
    state.expiry === undefined &&
    state.userId === undefined &&
    text === row.data;
  if (!onlyTouch) return queueWrite(options.connector, row?.id ?? state.id, () => commit(options, state, text));
  const now = options.clock();
  const expiresAt = touchDeadline(options.policy, row, now);
  if (expiresAt === null) return { row, data: state.data };
  // The client goes along only when it changed: the extension is the write it rides on.
  const { client } = state;
  const moved = client !== undefined && (client.userAgent !== row.userAgent || client.address !== row.clientAddress);
  const seen = moved ? client : undefined;
  // A touch that lost to a concurrent write is simply not needed any more.
  const touched = await unlessConflict(
    callConnector(options, "touch", (c) => c.touchSession(row.id, expiresAt, now, seen)),
  );
  if (!touched) return { row, data: state.data };
  const recorded = seen === undefined ? {} : { userAgent: seen.userAgent, clientAddress: seen.address };
  return { row: { ...row, expiresAt, updatedAt: now, ...recorded }, data: state.data };
}

/** The write loop: insert or compare-and-swap, merge after a lost race, bounded by `maxSaveAttempts`. */
async function commit(options: ResolvedSessionOptions, state: SaveState, text: string): Promise<SaveResult> {
  // This save's own changes matter only once a race is lost: work them out then.
  let changes: Changes | undefined;
  let encoded: string | undefined = text;
  let row = state.row;
  let data = state.data;
  for (let attempt = 1; ; attempt++) {
    const now = options.clock();
    const previous = row ?? initialDeadlines(options.policy, now);
    const deadlines = computeDeadlines(
      options.policy,
      state.expiry ?? (row ? undefined : { kind: "default" }),
      now,
      previous,
    );
    refuseExpired(deadlines.expiresAt, now);
    const write: SessionWrite = {
      data: encoded ?? encode(options, data),
      userId: state.userId ? state.userId.value : (row?.userId ?? null),
      ...deadlines,
      updatedAt: now,
      userAgent: state.client ? state.client.userAgent : (row?.userAgent ?? null),
      clientAddress: state.client ? state.client.address : (row?.clientAddress ?? null),
    };
    const written =
      row === null
        ? await insert(options, state.id, write, now)
        : state.id === row.id
          ? await update(options, row, write)
          : await rotate(options, row, state.id, write, now);
    if (written !== null) return { row: written, data };
    if (attempt >= options.maxSaveAttempts) {
      throw new SessionConflict(`The session kept changing: gave up after ${attempt} attempts`);
    }
    options.logger.debug?.("session changed concurrently; merging and retrying", { attempt });
    // A refused insert means the row is already there (written by a committed writer): merge into
    // it at once. Only writers colliding on one row's compare-and-swap need spreading out.
    if (row !== null) await backoff(attempt);
    const id = row?.id ?? state.id;
    const fresh = await callConnector(options, "save", (c) => c.getSession(id));
    // A row this save knew is gone: destroyed, never resurrected. An insert that lost to another
    // writer's insert of the same id merges into it (express-session's parallel first saves).
    if (row !== null || fresh !== null) refuseGone(options, fresh);
    const base = state.row === null ? {} : options.serializer.parse(state.row.data);
    changes ??= diff(options.serializer, base, state.data);
    row = fresh;
    data = apply(fresh === null ? {} : options.serializer.parse(fresh.data), changes);
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

/**
 * A write that lost to a concurrent one: `false` instead of the database's write-conflict error
 * (a deadlock victim, a Galera certification failure, Prisma's P2034), which rolled it back whole.
 * The caller then re-reads and merges, as after any lost compare-and-swap.
 */
async function unlessConflict(write: Promise<boolean>): Promise<boolean> {
  try {
    return await write;
  } catch (error) {
    if (isWriteConflict(error)) return false;
    throw error;
  }
}

/** A new row; `null` when the id is taken. */
async function insert(
  options: ResolvedSessionOptions,
  id: string,
  write: SessionWrite,
  now: Date,
): Promise<StoredSession | null> {
  const row: StoredSession = { id, ...write, version: 1, createdAt: now };
  return (await unlessConflict(callConnector(options, "save", (c) => c.createSession(row)))) ? row : null;
}

/** One compare-and-swap of the row; the row as written, or `null` when it changed meanwhile. */
async function update(
  options: ResolvedSessionOptions,
  row: StoredSession,
  write: SessionWrite,
): Promise<StoredSession | null> {
  const written = await unlessConflict(
    callConnector(options, "save", (c) => c.updateSession(row.id, row.version, write)),
  );
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
  let created: boolean;
  try {
    created = await callConnector(options, "save", (c) => c.createSession(moved));
  } catch (error) {
    if (isWriteConflict(error)) return null; // rolled back: nothing to undo; merge and retry
    throw error;
  }
  if (!created) throw new SessionConflict("The rotated key is taken (it never should be: 190 random bits)");
  const until = add(now, options.rotationGrace);
  const marker: SessionWrite = {
    data: "",
    userId: null,
    expiresAt: until,
    absoluteExpiresAt: until,
    browserSession: false,
    updatedAt: now,
    userAgent: null,
    clientAddress: null,
  };
  if (await unlessConflict(callConnector(options, "save", (c) => c.updateSession(row.id, row.version, marker)))) {
    return moved;
  }
  await callConnector(options, "save", (c) => c.destroySession(id));
  return null;
}

function encode(options: ResolvedSessionOptions, data: Map<string, unknown>): string {
  return checkSize(options, serializeData(options.serializer, Object.fromEntries(data)));
}

function checkSize(options: ResolvedSessionOptions, text: string): string {
  const bytes = utf8ByteLength(text);
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
