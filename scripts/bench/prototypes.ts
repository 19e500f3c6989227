// Prototype connectors, measured by the benchmark beside the library's; not part of the library.
// - FastPrismaConnector (`fast`): what PrismaConnector should become. Takes only the user's Prisma
//   client; loads through batched primary-key findUnique, everything else through the client's raw
//   SQL (the statements of src/sql, one per operation and provider). Built from src pieces only.
// - SqlConnector (`prisma-sql`, `pg`): one hand-written PostgreSQL statement per method, through
//   Prisma's raw-SQL API or straight to a `pg` pool, to measure those query paths alone.
import type pg from "pg";
import type {
  ExpiredBatch,
  SessionConnector,
  SessionInventory,
  SessionSummary,
  SessionWrite,
  StoredSession,
} from "../../src/connector.js";
import { BatchLoader } from "../../src/connectors/batch-loader.js";
import { ConfigError } from "../../src/errors.js";
import { isPositiveInteger } from "../../src/numbers.js";
import { checkProvider, isSqlProvider, type SqlProvider, type SqlStatement } from "../../src/sql/provider.js";
import { storedSession, toSummary } from "../../src/sql/rows.js";
import { SessionRowStatements } from "../../src/sql/session-rows.js";
import { parseTableName } from "../../src/sql/table-name.js";
import { readCurrentTime } from "../../src/sql/time.js";
import type { SqliteTimestampFormat } from "../../src/sql/values.js";
import { prismaRunner, type RawSqlClient } from "../../src/storage/prisma-raw.js";
import { SqlSessionTable } from "../../src/storage/sql-session-table.js";
import { isUniqueViolation } from "../../src/storage-errors.js";

/** The two reads FastPrismaConnector may make through the model delegate. */
export interface SessionFinder {
  findUnique(args: { where: { id: string } }): PromiseLike<StoredSession | null>;
  findMany(args: { where: { id: { in: string[] } } }): PromiseLike<StoredSession[]>;
}

/** What FastPrismaConnector calls on the client: the model's reads, and the two raw-SQL methods. */
export type FastPrismaClient<Model extends string> = { [K in Model]: SessionFinder } & RawSqlClient;

function isFinder(value: unknown): value is SessionFinder {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof Reflect.get(value, "findUnique") === "function" &&
    typeof Reflect.get(value, "findMany") === "function"
  );
}

/** Options of {@link FastPrismaConnector}. */
export interface FastPrismaConnectorOptions<Model extends string> {
  /** The model's delegate name on the client. @default "session" */
  model?: Model;
  /**
   * The model's table (its `@@map`), optionally `schema.table`. Raw SQL runs in the connection's
   * default schema, not in PrismaPg's `schema` option. @default "sessions"
   */
  table?: string;
  /** The client's provider. @default the generated client's own */
  provider?: SqlProvider;
  /** SQLite only: the adapter's `timestampFormat`. @default "iso8601" */
  sqliteTimestampFormat?: SqliteTimestampFormat;
  /**
   * How loads reach the database. All but `"direct"` collect the ids asked for during one turn of
   * the event loop (BatchLoader) and read them together:
   * - `"raw"` (default): one `$queryRawUnsafe` `SELECT … WHERE id IN (…)` per batch;
   * - `"raw-eager"`: the same, but a load with no other load in flight goes at once (no loop hop);
   * - `"findUnique"`: one findUnique per id, all issued in one tick, which the client merges into
   *   one `WHERE id IN (…)` (it batches only calls made in the same tick, which concurrent
   *   requests, each woken by its own socket read, seldom are);
   * - `"findMany"`: one `findMany({ where: { id: { in } } })` per batch;
   * - `"direct"`: findUnique at once, as PrismaConnector does.
   */
  loads?: "raw" | "raw-eager" | "findUnique" | "findMany" | "direct";
}

/**
 * The prototype of a fast PrismaConnector. Prisma 7.10's client exposes no public way to its driver
 * adapter (only the non-public `_engineConfig.adapter`), so everything goes through the client:
 * - loads: the ids of one event-loop turn read by one raw `SELECT … WHERE id IN (…)` (measured
 *   cheaper than the client's own batching of findUnique, which maps every row through the query
 *   engine; see the `loads` option for the variants measured);
 * - create, compare-and-swap, touch, destroy, per-user operations, listings and cleanup: one raw
 *   statement each (`$executeRawUnsafe`/`$queryRawUnsafe`) from src/sql, so a taken id on insert is
 *   "0 rows" (`ON CONFLICT DO NOTHING`), never an error: a failed query through @prisma/adapter-pg's
 *   pool destroys the pooled connection (pg-pool's `pool.query` releases the client with the error).
 */
export class FastPrismaConnector<Model extends string = "session"> implements SessionConnector, SessionInventory {
  readonly #find: SessionFinder;
  readonly #sql: SessionRowStatements;
  readonly #runner: ReturnType<typeof prismaRunner>;
  readonly #cleanup: SqlSessionTable;
  readonly #loader: Pick<BatchLoader<StoredSession>, "load"> | null;

  constructor(client: FastPrismaClient<NoInfer<Model>>, options: FastPrismaConnectorOptions<Model> = {}) {
    const model = options.model ?? "session";
    const delegate: unknown = Reflect.get(client, model);
    if (!isFinder(delegate)) throw new ConfigError(`The Prisma client has no model delegate "${model}"`);
    // `_activeProvider` is what PrismaConnector reads today; it is not public API (hence the option).
    const provider: unknown = options.provider ?? Reflect.get(client, "_activeProvider");
    if (!isSqlProvider(provider)) throw new ConfigError('Pass the provider: { provider: "postgresql" }');
    checkProvider(provider);
    const table = parseTableName(options.table ?? "sessions");
    this.#find = delegate;
    this.#sql = new SessionRowStatements(provider, table, options.sqliteTimestampFormat ?? "iso8601");
    this.#runner = prismaRunner(client);
    this.#cleanup = new SqlSessionTable(provider, table, this.#runner);
    const loads = options.loads ?? "raw";
    const fetch = (ids: string[]) =>
      loads === "findUnique" ? this.#findMany(ids) : loads === "findMany" ? this.#findIn(ids) : this.#selectMany(ids);
    this.#loader =
      loads === "direct" ? null : loads === "raw-eager" ? new EagerBatchLoader(fetch) : new BatchLoader(fetch);
  }

  getSession(id: string): Promise<StoredSession | null> {
    if (this.#loader === null) return Promise.resolve(this.#find.findUnique({ where: { id } }));
    return this.#loader.load(id);
  }

  /** All in this tick: the client merges same-shaped findUnique calls of one tick into one query. */
  async #findMany(ids: string[]): Promise<Map<string, StoredSession>> {
    const rows = await Promise.all(ids.map((id) => this.#find.findUnique({ where: { id } })));
    const found = new Map<string, StoredSession>();
    for (const row of rows) if (row !== null) found.set(row.id, row);
    return found;
  }

  async #findIn(ids: string[]): Promise<Map<string, StoredSession>> {
    const rows = await this.#find.findMany({ where: { id: { in: ids } } });
    return new Map(rows.map((row) => [row.id, row]));
  }

  async #selectMany(ids: string[]): Promise<Map<string, StoredSession>> {
    const rows = await this.#runner.query(this.#sql.get(ids));
    return new Map(rows.map((row) => [String(row.id), storedSession(row)]));
  }

  async createSession(session: StoredSession): Promise<boolean> {
    try {
      return (await this.#execute(this.#sql.create(session))) === 1;
    } catch (error) {
      // MySQL has no ON CONFLICT DO NOTHING that reports 0 rows: there a taken id is this error.
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async updateSession(id: string, expectedVersion: number, write: SessionWrite): Promise<boolean> {
    return (await this.#execute(this.#sql.update(id, expectedVersion, write))) === 1;
  }

  async touchSession(id: string, expiresAt: Date, now: Date): Promise<boolean> {
    return (await this.#execute(this.#sql.touch(id, expiresAt, now))) === 1;
  }

  async destroySession(id: string): Promise<void> {
    await this.#execute(this.#sql.destroy(id));
  }

  async listUserSessions(userId: string, now: Date): Promise<SessionSummary[]> {
    const rows = await this.#runner.query(this.#sql.listUser(userId, now));
    return rows.map(toSummary).filter((row) => row.userId === userId);
  }

  async destroyUserSessions(userId: string, exceptId?: string): Promise<number> {
    const owned = await this.#runner.query(this.#sql.userIds(userId));
    const ids = owned.filter((row) => row.user_id === userId && row.id !== exceptId).map((row) => String(row.id));
    let deleted = 0;
    for (const statement of this.#sql.destroyIds(userId, ids)) deleted += await this.#execute(statement);
    return deleted;
  }

  deleteExpiredSessions(now: Date, limit: number, from?: Date | null): Promise<ExpiredBatch> {
    return this.#cleanup.deleteExpiredSessions(now, limit, from);
  }

  countExpiredSessions(now: Date): Promise<number> {
    return this.#cleanup.countExpiredSessions(now);
  }

  async currentTime(): Promise<Date> {
    return readCurrentTime((await this.#runner.query(this.#sql.currentTime()))[0]);
  }

  async countSessions(now: Date): Promise<number> {
    return Number((await this.#runner.query(this.#sql.countLive(now)))[0]?.n ?? 0);
  }

  async listSessions(now: Date, limit: number, afterId?: string): Promise<StoredSession[]> {
    if (!isPositiveInteger(limit)) return [];
    return (await this.#runner.query(this.#sql.page(now, limit, afterId))).map(storedSession);
  }

  async destroyAllSessions(): Promise<number> {
    return this.#execute(this.#sql.destroyAll());
  }

  #execute(statement: SqlStatement): Promise<number> {
    return this.#runner.execute(statement);
  }
}

/**
 * A BatchLoader that fetches a key at once when no fetch is in flight (one caller: no event-loop
 * hop added to its latency), and otherwise collects keys until the end of the loop turn, as
 * BatchLoader does, since others are waiting on the database anyway.
 */
export class EagerBatchLoader<V> {
  readonly #fetch: (keys: string[]) => Promise<Map<string, V>>;
  readonly #collecting = new BatchLoader<V>((keys) => this.#run(keys));
  #inFlight = 0;

  constructor(fetch: (keys: string[]) => Promise<Map<string, V>>) {
    this.#fetch = fetch;
  }

  load(key: string): Promise<V | null> {
    if (this.#inFlight > 0) return this.#collecting.load(key);
    return this.#run([key]).then((found) => found.get(key) ?? null);
  }

  async #run(keys: string[]): Promise<Map<string, V>> {
    this.#inFlight++;
    try {
      return await this.#fetch(keys);
    } finally {
      this.#inFlight--;
    }
  }
}

/** Runs one statement: the rows it returns, or how many rows it changed. */
export interface Sql {
  rows(text: string, values: unknown[]): Promise<Record<string, unknown>[]>;
  count(text: string, values: unknown[]): Promise<number>;
}

/** The raw-SQL methods of a Prisma client, declared structurally. */
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
