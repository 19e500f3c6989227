// Prototype connectors for the benchmark's `--connector` option: the same SessionConnector
// contract as PrismaConnector, but one hand-written PostgreSQL statement per method, sent through
// Prisma's raw-SQL API (`prisma-sql`) or straight to a `pg` pool (`pg`). They measure what another
// query path would buy; they are not part of the library. (The driver-adapter path, `adapter`, is
// the library's PrismaAdapterConnector.)
import type pg from "pg";
import type {
  ExpiredBatch,
  SessionConnector,
  SessionSummary,
  SessionWrite,
  StoredSession,
} from "../../src/connector.js";
import { storedSession, toSummary } from "../../src/sql/rows.js";

/** Runs one statement: the rows it returns, or how many rows it changed. */
export interface Sql {
  rows(text: string, values: unknown[]): Promise<Record<string, unknown>[]>;
  count(text: string, values: unknown[]): Promise<number>;
}

/** The raw-SQL methods of a Prisma client, declared structurally like PrismaSessionDelegate. */
export interface PrismaRawClient {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): PromiseLike<T>;
  $executeRawUnsafe(query: string, ...values: unknown[]): PromiseLike<number>;
}

export function prismaSql(client: PrismaRawClient): Sql {
  return {
    rows: async (text, values) => client.$queryRawUnsafe<Record<string, unknown>[]>(text, ...values),
    count: async (text, values) => client.$executeRawUnsafe(text, ...values),
  };
}

/** `timestamp(3)` columns hold UTC wall time; an ISO string cast to `timestamp` drops the `Z`. */
const param = (value: unknown) => (value instanceof Date ? value.toISOString() : value);

export function pgSql(pool: pg.Pool): Sql {
  return {
    rows: async (text, values) => (await pool.query(text, values.map(param))).rows,
    count: async (text, values) => (await pool.query(text, values.map(param))).rowCount ?? 0,
  };
}

const SUMMARY = "id, user_id, version, expires_at, absolute_expires_at, browser_session, created_at, updated_at";

/** A PostgreSQL connector on any {@link Sql}; `table` is the quoted, possibly schema-qualified name. */
export class SqlConnector implements SessionConnector {
  readonly #sql: Sql;
  readonly #get: string;
  readonly #create: string;
  readonly #update: string;
  readonly #touch: string;
  readonly #destroy: string;
  readonly #list: string;
  readonly #destroyUser: string;
  readonly #expired: string;
  readonly #countExpired: string;

  constructor(sql: Sql, table: string) {
    this.#sql = sql;
    this.#get = `SELECT data, ${SUMMARY} FROM ${table} WHERE id = $1`;
    this.#create = `INSERT INTO ${table} (id, data, user_id, version, expires_at, absolute_expires_at, browser_session,
      created_at, updated_at) VALUES ($1, $2, $3, $4, $5::timestamp, $6::timestamp, $7, $8::timestamp, $9::timestamp)
      ON CONFLICT (id) DO NOTHING`;
    this.#update = `UPDATE ${table} SET data = $3, user_id = $4, version = $2 + 1, expires_at = $5::timestamp,
      absolute_expires_at = $6::timestamp, browser_session = $7, updated_at = $8::timestamp
      WHERE id = $1 AND version = $2`;
    this.#touch = `UPDATE ${table} SET expires_at = $2::timestamp, updated_at = $3::timestamp
      WHERE id = $1 AND expires_at > $3::timestamp AND expires_at < $2::timestamp`;
    this.#destroy = `DELETE FROM ${table} WHERE id = $1`;
    this.#list = `SELECT ${SUMMARY} FROM ${table} WHERE user_id = $1 AND expires_at > $2::timestamp ORDER BY created_at`;
    this.#destroyUser = `DELETE FROM ${table} WHERE user_id = $1 AND ($2::text IS NULL OR id <> $2::text)`;
    this.#expired = `DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE expires_at <= $1::timestamp LIMIT $2)
      AND expires_at <= $1::timestamp`;
    this.#countExpired = `SELECT count(*)::int AS n FROM ${table} WHERE expires_at <= $1::timestamp`;
  }

  async getSession(id: string): Promise<StoredSession | null> {
    const [row] = await this.#sql.rows(this.#get, [id]);
    return row === undefined ? null : storedSession(row);
  }

  async createSession(s: StoredSession): Promise<boolean> {
    const values = [s.id, s.data, s.userId, s.version, s.expiresAt, s.absoluteExpiresAt, s.browserSession];
    return (await this.#sql.count(this.#create, [...values, s.createdAt, s.updatedAt])) === 1;
  }

  async updateSession(id: string, expectedVersion: number, w: SessionWrite): Promise<boolean> {
    const values = [id, expectedVersion, w.data, w.userId, w.expiresAt, w.absoluteExpiresAt];
    return (await this.#sql.count(this.#update, [...values, w.browserSession, w.updatedAt])) === 1;
  }

  async touchSession(id: string, expiresAt: Date, now: Date): Promise<boolean> {
    return (await this.#sql.count(this.#touch, [id, expiresAt, now])) === 1;
  }

  async destroySession(id: string): Promise<void> {
    await this.#sql.count(this.#destroy, [id]);
  }

  async listUserSessions(userId: string, now: Date): Promise<SessionSummary[]> {
    return (await this.#sql.rows(this.#list, [userId, now])).map(toSummary);
  }

  async destroyUserSessions(userId: string, exceptId?: string): Promise<number> {
    return this.#sql.count(this.#destroyUser, [userId, exceptId ?? null]);
  }

  async deleteExpiredSessions(now: Date, limit: number): Promise<ExpiredBatch> {
    if (!Number.isInteger(limit) || limit < 1) return { deleted: 0, last: null };
    return { deleted: await this.#sql.count(this.#expired, [now, limit]), last: null };
  }

  async currentTime(): Promise<Date> {
    const [row] = await this.#sql.rows("SELECT clock_timestamp() AS now", []);
    return new Date(String(row?.now));
  }

  async countExpiredSessions(now: Date): Promise<number> {
    const [row] = await this.#sql.rows(this.#countExpired, [now]);
    return Number(row?.n ?? 0);
  }
}
