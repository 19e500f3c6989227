// The SQL of PrismaAdapterConnector, one statement per contract method, for each provider. Written
// with `?` placeholders (numbered for PostgreSQL by the caller) and the table already quoted.
import type { SqlProvider } from "../setup/ensure-session-table.js";
import { currentTimeStatement } from "../sql/dialect.js";

const SUMMARY = "id, user_id, version, expires_at, absolute_expires_at, browser_session, created_at, updated_at";
const COLUMNS = `${SUMMARY}, data`;

/** The statements for one table on one provider. */
export interface AdapterStatements {
  get: string;
  getMany: (count: number) => string;
  create: string;
  update: string;
  touch: string;
  destroy: string;
  listUser: string;
  userIds: string;
  destroyIds: (count: number) => string;
  countLive: string;
  page: (after: boolean, limit: number) => string;
  destroyAll: string;
  currentTime: string;
}

/**
 * The insert of a new row. PostgreSQL and SQLite report a taken id as 0 rows changed. MySQL has
 * no ON CONFLICT, INSERT IGNORE would also hide truncation, and the MariaDB driver counts a no-op
 * ON DUPLICATE KEY UPDATE as a changed row: there the duplicate-key error is the answer.
 */
function insert(provider: SqlProvider, table: string): string {
  const statement =
    `INSERT INTO ${table} (id, user_id, version, expires_at, absolute_expires_at, browser_session, created_at,` +
    " updated_at, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
  return provider === "mysql" ? statement : `${statement} ON CONFLICT (id) DO NOTHING`;
}

function marks(count: number): string {
  return Array.from({ length: count }, () => "?").join(", ");
}

export function adapterStatements(provider: SqlProvider, table: string): AdapterStatements {
  return {
    get: `SELECT ${COLUMNS} FROM ${table} WHERE id = ?`,
    getMany: (count) => `SELECT ${COLUMNS} FROM ${table} WHERE id IN (${marks(count)})`,
    create: insert(provider, table),
    update:
      `UPDATE ${table} SET data = ?, user_id = ?, version = ?, expires_at = ?, absolute_expires_at = ?,` +
      " browser_session = ?, updated_at = ? WHERE id = ? AND version = ?",
    touch: `UPDATE ${table} SET expires_at = ?, updated_at = ? WHERE id = ? AND expires_at > ? AND expires_at < ?`,
    destroy: `DELETE FROM ${table} WHERE id = ?`,
    listUser: `SELECT ${SUMMARY} FROM ${table} WHERE user_id = ? AND expires_at > ? ORDER BY created_at, id`,
    userIds: `SELECT id, user_id FROM ${table} WHERE user_id = ?`,
    destroyIds: (count) => `DELETE FROM ${table} WHERE user_id = ? AND id IN (${marks(count)})`,
    // Rotation markers (empty data) are no sessions.
    countLive: `SELECT COUNT(*) AS n FROM ${table} WHERE expires_at > ? AND data <> ''`,
    // A validated integer, inlined: drivers disagree on binding LIMIT values.
    page: (after, limit) =>
      `SELECT ${COLUMNS} FROM ${table} WHERE expires_at > ? AND data <> ''${after ? " AND id > ?" : ""}` +
      ` ORDER BY id LIMIT ${limit}`,
    destroyAll: `DELETE FROM ${table}`,
    currentTime: currentTimeStatement(provider).sql,
  };
}
