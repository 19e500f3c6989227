// The statements of the connector contract on the sessions table, each built with its values
// (placeholders numbered for the provider), for connectors that run their own SQL.
import type { ClientInfo, SessionWrite, StoredSession } from "../connector.js";
import { placeholders, type SqlProvider, type SqlStatement } from "./provider.js";
import { quoteTable, type TableName } from "./table-name.js";
import { currentTimeStatement } from "./time.js";
import { bindBoolean, bindDate, type SqliteTimestampFormat } from "./values.js";

const SUMMARY =
  "id, user_id, version, expires_at, absolute_expires_at, browser_session, created_at, updated_at, user_agent, client_address";
const COLUMNS = `${SUMMARY}, data`;

/**
 * The most values any statement of a session operation binds. Cloudflare D1 allows 100 per
 * statement, and the other databases far more: loads read at most this many ids at once, and a
 * log-out-everywhere deletes the user's ids this many at a time (the user id included).
 */
export const MAX_BOUND_VALUES = 100;

function marks(count: number): string {
  return Array.from({ length: count }, () => "?").join(", ");
}

/** The statements for one table on one provider. */
export class SessionRowStatements {
  readonly #provider: SqlProvider;
  readonly #table: string;
  readonly #sqlite: SqliteTimestampFormat;

  constructor(provider: SqlProvider, table: TableName, sqliteFormat: SqliteTimestampFormat = "iso8601") {
    this.#provider = provider;
    this.#table = quoteTable(provider, table);
    this.#sqlite = sqliteFormat;
  }

  /** The rows with these ids (one or more), all columns. */
  get(ids: readonly string[]): SqlStatement {
    const where = ids.length === 1 ? "id = ?" : `id IN (${marks(ids.length)})`;
    return this.#statement(`SELECT ${COLUMNS} FROM ${this.#table} WHERE ${where}`, [...ids]);
  }

  /**
   * The insert of a new row. PostgreSQL and SQLite report a taken id as 0 rows changed. MySQL has
   * no ON CONFLICT, INSERT IGNORE would also hide truncation, and the MariaDB driver counts a no-op
   * ON DUPLICATE KEY UPDATE as a changed row: there the duplicate-key error is the answer. No
   * conflict target: on the shipped table the only unique constraint is the id's, and the
   * partitioned layout (prisma/postgresql-partitioned) has none on the id alone (its trigger skips
   * a taken id, also 0 rows).
   */
  create(s: StoredSession): SqlStatement {
    const insert =
      `INSERT INTO ${this.#table} (id, user_id, version, expires_at, absolute_expires_at, browser_session,` +
      " created_at, updated_at, user_agent, client_address, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    return this.#statement(this.#provider === "mysql" ? insert : `${insert} ON CONFLICT DO NOTHING`, [
      s.id,
      s.userId,
      s.version,
      this.#date(s.expiresAt),
      this.#date(s.absoluteExpiresAt),
      bindBoolean(this.#provider, s.browserSession),
      this.#date(s.createdAt),
      this.#date(s.updatedAt),
      s.userAgent,
      s.clientAddress,
      s.data,
    ]);
  }

  /** The compare-and-swap write: changes the row only at `expectedVersion`. */
  update(id: string, expectedVersion: number, w: SessionWrite): SqlStatement {
    return this.#statement(
      `UPDATE ${this.#table} SET data = ?, user_id = ?, version = ?, expires_at = ?, absolute_expires_at = ?,` +
        " browser_session = ?, updated_at = ?, user_agent = ?, client_address = ? WHERE id = ? AND version = ?",
      [
        w.data,
        w.userId,
        expectedVersion + 1,
        this.#date(w.expiresAt),
        this.#date(w.absoluteExpiresAt),
        bindBoolean(this.#provider, w.browserSession),
        this.#date(w.updatedAt),
        w.userAgent,
        w.clientAddress,
        id,
        expectedVersion,
      ],
    );
  }

  /** The deadline-only extension of a live row whose deadline is before the new one (and where it was seen from). */
  touch(id: string, expiresAt: Date, now: Date, client?: ClientInfo): SqlStatement {
    const [until, at] = [this.#date(expiresAt), this.#date(now)];
    const seen = client === undefined ? "" : ", user_agent = ?, client_address = ?";
    return this.#statement(
      `UPDATE ${this.#table} SET expires_at = ?, updated_at = ?${seen} WHERE id = ? AND expires_at > ? AND expires_at < ?`,
      [until, at, ...(client === undefined ? [] : [client.userAgent, client.address]), id, at, until],
    );
  }

  destroy(id: string): SqlStatement {
    return this.#statement(`DELETE FROM ${this.#table} WHERE id = ?`, [id]);
  }

  /** The owner's live sessions, without data, oldest first (ties by id). */
  listUser(userId: string, now: Date): SqlStatement {
    return this.#statement(
      `SELECT ${SUMMARY} FROM ${this.#table} WHERE user_id = ? AND expires_at > ? ORDER BY created_at, id`,
      [userId, this.#date(now)],
    );
  }

  /** The ids and owners of the owner's rows (the caller keeps exact matches only). */
  userIds(userId: string): SqlStatement {
    return this.#statement(`SELECT id, user_id FROM ${this.#table} WHERE user_id = ?`, [userId]);
  }

  /** Deletes of these rows of the user, each binding at most {@link MAX_BOUND_VALUES} values. */
  destroyIds(userId: string, ids: readonly string[]): SqlStatement[] {
    const statements: SqlStatement[] = [];
    for (let start = 0; start < ids.length; start += MAX_BOUND_VALUES - 1) {
      const chunk = ids.slice(start, start + MAX_BOUND_VALUES - 1);
      const sql = `DELETE FROM ${this.#table} WHERE user_id = ? AND id IN (${marks(chunk.length)})`;
      statements.push(this.#statement(sql, [userId, ...chunk]));
    }
    return statements;
  }

  /** Live sessions (rotation markers, whose data is empty, are none): `n`. */
  countLive(now: Date): SqlStatement {
    return this.#statement(`SELECT COUNT(*) AS n FROM ${this.#table} WHERE expires_at > ? AND data <> ''`, [
      this.#date(now),
    ]);
  }

  /** A page of live sessions in id order. `limit` is a validated integer, inlined: drivers disagree on binding it. */
  page(now: Date, limit: number, afterId?: string): SqlStatement {
    const after = afterId === undefined ? "" : " AND id > ?";
    return this.#statement(
      `SELECT ${COLUMNS} FROM ${this.#table} WHERE expires_at > ? AND data <> ''${after} ORDER BY id LIMIT ${limit}`,
      afterId === undefined ? [this.#date(now)] : [this.#date(now), afterId],
    );
  }

  destroyAll(): SqlStatement {
    return this.#statement(`DELETE FROM ${this.#table}`, []);
  }

  currentTime(): SqlStatement {
    return currentTimeStatement(this.#provider);
  }

  #date(value: Date): string | number {
    return bindDate(this.#provider, value, this.#sqlite);
  }

  #statement(sql: string, args: SqlStatement["args"]): SqlStatement {
    return { sql: placeholders(this.#provider, sql), args };
  }
}
