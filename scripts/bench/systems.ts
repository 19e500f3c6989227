// The systems `npm run bench` measures, by id, and the seeded rows each one reads.
import type pg from "pg";
import { jsonSerializer } from "../../src/serializer.js";
import { expressData, RAW_TABLE, seedCpsSessions, seedQuixoSessions, seedSessions } from "./database.js";
import {
  connectPgSimpleStore,
  type ExpressOptions,
  oursStore,
  plainPrismaStore,
  quixoStore,
  rawStore,
} from "./express-subjects.js";
import type { Subject } from "./measure.js";
import { type ConnectorKind, native, rawNative } from "./subjects.js";

export const URL = process.env.PRISMA_SESSIONS_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
export const SESSIONS = 10_000;
/** Deadline of seeded rows, in days: under half of the 7-day idle window, so a touch is due. */
export const DUE_IN_DAYS = 3;

/** Which seeded rows a system reads: its table and its data format. */
export type Family = "native" | "ours" | "plain" | "raw" | "cps" | "quixo";

export interface System {
  family: Family;
  make(max: number, keys: readonly string[], copy: boolean): Subject;
  /** Not run unless named in --only. */
  optional?: boolean;
}

const express = (make: (options: ExpressOptions) => Subject) => (max: number, keys: readonly string[], copy: boolean) =>
  make({ url: URL, max, keys, copy });

function expressOn(kind: ConnectorKind, optional = false): System {
  return { family: "ours", make: express((options) => oursStore(options, kind)), optional };
}

function nativeOn(kind: ConnectorKind, optional = false): System {
  return { family: "native", make: (max, keys) => native(URL, max, kind, keys), optional };
}

/** Every system, the baseline first. */
export const SYSTEMS: Record<string, System> = {
  raw: { family: "raw", make: express(rawStore) },
  cps: { family: "cps", make: express(connectPgSimpleStore) },
  quixo: { family: "quixo", make: express(quixoStore) },
  "prisma-plain": { family: "plain", make: express(plainPrismaStore) },
  "express-adapter": expressOn("adapter"),
  "express-prisma": expressOn("prisma"),
  "express-fast": expressOn("fast", true),
  "express-fast-findunique": expressOn("fast-findunique", true),
  "native-raw": { family: "native", make: (max, keys) => rawNative(URL, max, keys) },
  "native-adapter": nativeOn("adapter"),
  "native-prisma": nativeOn("prisma"),
  "native-fast": nativeOn("fast", true),
  "native-fast-eager": nativeOn("fast-eager", true),
  "native-fast-findunique": nativeOn("fast-findunique", true),
  "native-fast-findmany": nativeOn("fast-findmany", true),
  "native-fast-direct": nativeOn("fast-direct", true),
  "native-prisma-sql": nativeOn("prisma-sql", true),
  "native-pg": nativeOn("pg", true),
};

/** Seeds SESSIONS rows for each family; returns their keys. */
export async function seed(admin: pg.Pool, families: Set<Family>): Promise<Map<Family, string[]>> {
  const keys = new Map<Family, string[]>();
  const json = (seed: number, expires: Date) => JSON.stringify(expressData(seed, expires));
  const ours = (seed: number, expires: Date) => jsonSerializer.stringify(expressData(seed, expires));
  const seeders: Record<Family, () => Promise<string[]>> = {
    native: () => seedSessions(admin, SESSIONS, DUE_IN_DAYS),
    ours: () => seedSessions(admin, SESSIONS, DUE_IN_DAYS, { data: ours }),
    plain: () => seedSessions(admin, SESSIONS, DUE_IN_DAYS, { data: json }),
    raw: () => seedSessions(admin, SESSIONS, DUE_IN_DAYS, { table: RAW_TABLE, data: json }),
    cps: () => seedCpsSessions(admin, SESSIONS, DUE_IN_DAYS),
    quixo: () => seedQuixoSessions(admin, SESSIONS, DUE_IN_DAYS),
  };
  for (const family of families) keys.set(family, await seeders[family]());
  return keys;
}
