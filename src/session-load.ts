import { isRotationMarker, type StoredSession } from "./connector.js";
import { isLive } from "./expiry.js";
import { redactSessionKey } from "./keys.js";
import { jsonSerializer } from "./serializer.js";
import type { ResolvedSessionOptions } from "./session-options.js";

/** What a store holds after reading its key's row. */
export type LoadedRow =
  /** No live session under the key (none, expired, or unreadable): the key is dropped. */
  | { kind: "none" }
  /** The key was rotated moments ago: its row is a rotation marker. */
  | { kind: "superseded" }
  | { kind: "session"; row: StoredSession; data: Map<string, unknown> };

/**
 * Judges the row read for `key`. A row in a format older than the serializer's current one is
 * kept with its data re-encoded, so that reading it counts as no change (it is rewritten in the
 * current format with its next real change, never by a read).
 */
export function adoptRow(options: ResolvedSessionOptions, key: string, row: StoredSession | null): LoadedRow {
  const redacted = { key: redactSessionKey(key) };
  if (row === null || !isLive(row.expiresAt, options.clock(), options.clockToleranceMs)) {
    options.logger.debug?.("no live session for key", redacted);
    return { kind: "none" };
  }
  if (isRotationMarker(row)) {
    options.logger.debug?.("the key was rotated moments ago", redacted);
    return { kind: "superseded" };
  }
  const { serializer } = options;
  try {
    const parsed = serializer.parse(row.data);
    const current = serializer !== jsonSerializer || row.data.startsWith("[");
    return {
      kind: "session",
      row: current ? row : { ...row, data: serializer.stringify(parsed) },
      data: new Map(Object.entries(parsed)),
    };
  } catch (error) {
    options.logger.warn?.("stored session data could not be parsed; starting afresh", {
      ...redacted,
      error: error instanceof Error ? error.message : String(error),
    });
    return { kind: "none" };
  }
}
