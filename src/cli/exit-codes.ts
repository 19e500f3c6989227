import { constants } from "node:os";

/** The command line's exit codes (documented in `--help` and the README). */
export const EXIT = {
  /** Done: everything expired is gone, the dry run counted, or the maximum run time was reached. */
  ok: 0,
  /** A database or setup error; the reason is printed in words. */
  failed: 1,
  /** Bad flags, a missing or unsupported database URL, an invalid table name. */
  usage: 2,
  /** `--lock`: another runner holds the cleanup lock of this table; nothing was done. */
  locked: 3,
} as const;

/** 128 + the signal's number, as shells report it (130 for SIGINT, 143 for SIGTERM). */
export function interruptedExit(reason: unknown): number {
  const name = String(reason);
  const number = name in constants.signals ? Reflect.get(constants.signals, name) : undefined;
  return typeof number === "number" ? 128 + number : 130;
}
