import { type Clock, systemClock } from "../clock.js";
import {
  type ClientInfo,
  type ExpiredBatch,
  isRotationMarker,
  type SessionConnector,
  type SessionInventory,
  type SessionSummary,
  type SessionWrite,
  type StoredSession,
} from "../connector.js";
import { isPositiveInteger } from "../numbers.js";

const DATE_FIELDS = ["expiresAt", "absoluteExpiresAt", "createdAt", "updatedAt"] as const;

/** JSON round trip, so Date and serialization mistakes show up here exactly as with a database. */
function freeze(session: StoredSession): string {
  return JSON.stringify(session);
}

function thaw(text: string): StoredSession {
  const row: StoredSession = JSON.parse(text);
  for (const field of DATE_FIELDS) row[field] = new Date(row[field]);
  return row;
}

function summary({ data: _data, ...rest }: StoredSession): SessionSummary {
  return rest;
}

/** Options of {@link MemoryConnector}. */
export interface MemoryConnectorOptions {
  /** Decides when stored rows have expired and may be dropped. @default the system clock */
  clock?: Clock;
}

/**
 * Keeps sessions in process memory: for tests and development, not production (one process,
 * lost on restart). Expired rows are dropped when met, so it does not leak.
 */
export class MemoryConnector implements SessionConnector, SessionInventory {
  readonly #rows = new Map<string, string>();
  readonly #clock: Clock;

  constructor(options: MemoryConnectorOptions = {}) {
    this.#clock = options.clock ?? systemClock;
  }

  /** Number of rows held, expired ones included until met. */
  get size(): number {
    return this.#rows.size;
  }

  async getSession(id: string): Promise<StoredSession | null> {
    const text = this.#rows.get(id);
    if (text === undefined) return null;
    const row = thaw(text);
    if (row.expiresAt.getTime() <= this.#clock().getTime()) {
      this.#rows.delete(id);
      return null;
    }
    return row;
  }

  async createSession(session: StoredSession): Promise<boolean> {
    if (this.#rows.has(session.id)) return false;
    this.#rows.set(session.id, freeze(session));
    return true;
  }

  async updateSession(id: string, expectedVersion: number, write: SessionWrite): Promise<boolean> {
    const text = this.#rows.get(id);
    if (text === undefined) return false;
    const row = thaw(text);
    if (row.version !== expectedVersion) return false;
    this.#rows.set(id, freeze({ ...row, ...write, id, version: expectedVersion + 1 }));
    return true;
  }

  async touchSession(id: string, expiresAt: Date, now: Date, client?: ClientInfo): Promise<boolean> {
    const text = this.#rows.get(id);
    if (text === undefined) return false;
    const row = thaw(text);
    const current = row.expiresAt.getTime();
    if (current <= now.getTime() || current >= expiresAt.getTime()) return false;
    const seen = client === undefined ? {} : { userAgent: client.userAgent, clientAddress: client.address };
    this.#rows.set(id, freeze({ ...row, expiresAt, updatedAt: now, ...seen }));
    return true;
  }

  async destroySession(id: string): Promise<void> {
    this.#rows.delete(id);
  }

  async listUserSessions(userId: string, now: Date): Promise<SessionSummary[]> {
    return this.#all()
      .filter((row) => row.userId === userId && row.expiresAt.getTime() > now.getTime())
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map(summary);
  }

  async destroyUserSessions(userId: string, exceptId?: string): Promise<number> {
    const doomed = this.#all().filter((row) => row.userId === userId && row.id !== exceptId);
    for (const row of doomed) this.#rows.delete(row.id);
    return doomed.length;
  }

  async deleteExpiredSessions(now: Date, limit: number, from?: Date | null): Promise<ExpiredBatch> {
    if (!isPositiveInteger(limit)) return { deleted: 0, last: null };
    const start = from?.getTime() ?? Number.NEGATIVE_INFINITY;
    const batch = this.#all()
      .filter((row) => row.expiresAt.getTime() <= now.getTime() && row.expiresAt.getTime() >= start)
      .sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime())
      .slice(0, limit);
    for (const row of batch) this.#rows.delete(row.id);
    return { deleted: batch.length, last: batch.at(-1)?.expiresAt ?? null };
  }

  async countExpiredSessions(now: Date): Promise<number> {
    return this.#all().filter((row) => row.expiresAt.getTime() <= now.getTime()).length;
  }

  async currentTime(): Promise<Date> {
    return this.#clock();
  }

  async countSessions(now: Date): Promise<number> {
    return this.#live(now).length;
  }

  async listSessions(now: Date, limit: number, afterId?: string): Promise<StoredSession[]> {
    if (!isPositiveInteger(limit)) return [];
    return this.#live(now)
      .filter((row) => afterId === undefined || row.id > afterId)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, limit);
  }

  async destroyAllSessions(): Promise<number> {
    const count = this.#rows.size;
    this.#rows.clear();
    return count;
  }

  /** Live sessions, rotation markers left out. */
  #live(now: Date): StoredSession[] {
    return this.#all().filter((row) => row.expiresAt.getTime() > now.getTime() && !isRotationMarker(row));
  }

  #all(): StoredSession[] {
    return [...this.#rows.values()].map(thaw);
  }
}
