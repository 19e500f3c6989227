// Two express-session stores written for the benchmark, each the least a store can do: on raw `pg`
// (the baseline every row is compared with) and on plain Prisma model calls. Both keep the
// express-session JSON in our `sessions` table layout under the SHA-256 of the session id, and
// take the deadline from the cookie.
import expressSession, { type SessionData } from "express-session";
import type pg from "pg";
import type { PrismaClient } from "../../prisma/generated/postgresql/client.js";
import { hashSessionKey } from "../../src/keys.js";
import { RAW_TABLE } from "./database.js";

const DAY_MS = 86_400_000;

type Callback = (error?: unknown) => void;
type GetCallback = (error: unknown, session?: SessionData | null) => void;

/** The cookie's deadline, or a day for a browser-session cookie. */
function deadline(session: SessionData, now: number): Date {
  const expires = session.cookie?.expires;
  const at = expires ? new Date(expires) : null;
  return at !== null && !Number.isNaN(at.getTime()) ? at : new Date(now + DAY_MS);
}

function parseLive(row: { data: string; expiresAt: Date } | undefined | null): SessionData | null {
  return row && row.expiresAt.getTime() > Date.now() ? JSON.parse(row.data) : null;
}

const GET = `SELECT data, expires_at AS "expiresAt" FROM ${RAW_TABLE} WHERE id = $1`;
const UPSERT = `INSERT INTO ${RAW_TABLE} AS s (id, data, expires_at, absolute_expires_at, created_at, updated_at)
  VALUES ($1, $2, $3::timestamp, $3::timestamp, $4::timestamp, $4::timestamp)
  ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data, expires_at = EXCLUDED.expires_at,
  updated_at = EXCLUDED.updated_at, version = s.version + 1`;
const TOUCH = `UPDATE ${RAW_TABLE} SET expires_at = $2::timestamp, updated_at = $3::timestamp WHERE id = $1`;
const DESTROY = `DELETE FROM ${RAW_TABLE} WHERE id = $1`;

export class RawPgStore extends expressSession.Store {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    super();
    this.#pool = pool;
  }

  override get(sid: string, callback: GetCallback): void {
    this.#pool.query<{ data: string; expiresAt: Date }>(GET, [hashSessionKey(sid)]).then(
      ({ rows }) => callback(null, parseLive(rows[0])),
      (error: unknown) => callback(error),
    );
  }

  override set(sid: string, session: SessionData, callback?: Callback): void {
    const now = Date.now();
    const values = [hashSessionKey(sid), JSON.stringify(session), deadline(session, now).toISOString()];
    this.#pool.query(UPSERT, [...values, new Date(now).toISOString()]).then(
      () => callback?.(),
      (error: unknown) => callback?.(error),
    );
  }

  override touch(sid: string, session: SessionData, callback?: Callback): void {
    const now = Date.now();
    const values = [hashSessionKey(sid), deadline(session, now).toISOString(), new Date(now).toISOString()];
    this.#pool.query(TOUCH, values).then(
      () => callback?.(),
      (error: unknown) => callback?.(error),
    );
  }

  override destroy(sid: string, callback?: Callback): void {
    this.#pool.query(DESTROY, [hashSessionKey(sid)]).then(
      () => callback?.(),
      (error: unknown) => callback?.(error),
    );
  }
}

export class PlainPrismaStore extends expressSession.Store {
  readonly #prisma: PrismaClient;

  constructor(prisma: PrismaClient) {
    super();
    this.#prisma = prisma;
  }

  override get(sid: string, callback: GetCallback): void {
    this.#prisma.session.findUnique({ where: { id: hashSessionKey(sid) } }).then(
      (row) => callback(null, parseLive(row)),
      (error: unknown) => callback(error),
    );
  }

  override set(sid: string, session: SessionData, callback?: Callback): void {
    const id = hashSessionKey(sid);
    const now = new Date();
    const [data, expiresAt] = [JSON.stringify(session), deadline(session, now.getTime())];
    this.#prisma.session
      .upsert({
        where: { id },
        create: { id, data, expiresAt, absoluteExpiresAt: expiresAt, createdAt: now, updatedAt: now },
        update: { data, expiresAt, updatedAt: now, version: { increment: 1 } },
      })
      .then(
        () => callback?.(),
        (error: unknown) => callback?.(error),
      );
  }

  override touch(sid: string, session: SessionData, callback?: Callback): void {
    const now = new Date();
    this.#prisma.session
      .update({
        where: { id: hashSessionKey(sid) },
        data: { expiresAt: deadline(session, now.getTime()), updatedAt: now },
      })
      .then(
        () => callback?.(),
        (error: unknown) => callback?.(error),
      );
  }

  override destroy(sid: string, callback?: Callback): void {
    this.#prisma.session.deleteMany({ where: { id: hashSessionKey(sid) } }).then(
      () => callback?.(),
      (error: unknown) => callback?.(error),
    );
  }
}
