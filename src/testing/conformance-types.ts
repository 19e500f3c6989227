// The types the conformance suite and its case files share.
import type { SessionConnector, StoredSession } from "../connector.js";

/** The snake_case columns of the reference `sessions` table. */
export type RawColumn =
  | "id"
  | "data"
  | "user_id"
  | "version"
  | "expires_at"
  | "absolute_expires_at"
  | "browser_session"
  | "created_at"
  | "updated_at"
  | "user_agent"
  | "client_address";

/**
 * One stored row with its column values exactly as the database driver returns them: dates as
 * `Date`, ISO text or epoch milliseconds; booleans as `boolean`, `0`/`1` or `"0"`/`"1"`; integers as
 * `number`, `bigint` or numeric text. The suite normalises them. A driver's row object
 * (`Record<string, unknown>`) is accepted as it is; a column missing from it fails the test.
 */
export type RawRow = { readonly [C in RawColumn]?: unknown };

/**
 * Reads stored state without going through the connector under test, so the suite can check what
 * was really written (raw SQL for a database).
 */
export interface StoredStateInspector {
  /** The row with this id, all columns; `null` when there is none. */
  readRow(id: string): Promise<RawRow | null>;
  /** How many rows the store holds in total. The suite only compares it before and after a step. */
  countRows(): Promise<number>;
}

/** What {@link describeConnectorConformance} tests: a connector and, ideally, a way to see its rows. */
export interface ConformanceTarget {
  connector: SessionConnector;
  /** Direct access to stored state. Without it the suite checks stored state through `getSession`. */
  inspect?: StoredStateInspector;
  /** Called once after the last case (disconnect, drop the temporary database, …). */
  close?: () => Promise<void>;
}

/** What the case files use to reach the connector under test and its stored state. */
export interface ConformanceContext {
  connector(): SessionConnector;
  /** The stored row: read directly when the target can, else through `getSession`. */
  stored(id: string): Promise<StoredSession | null>;
  /** How many of `ids` are stored (rows of other cases are not counted). */
  countStored(ids: string[]): Promise<number>;
  /** How many rows one batch deleted. */
  deletedBy(now: Date, limit: number, from?: Date | null): Promise<number>;
  /** Runs `step` and, when the target can count rows, checks the table grew by exactly `by`. */
  changingRowCountBy<T>(by: number, step: () => Promise<T>): Promise<T>;
  seed(...rows: StoredSession[]): Promise<void>;
  /** Seeds rows that expire early, runs `body`, and removes the rows whatever happened. */
  withEarlyRows(rows: StoredSession[], body: () => Promise<void>): Promise<void>;
}
