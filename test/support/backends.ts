// The storages every SessionStore behaviour is checked against: the memory connector and the
// Prisma connector on each real database. `readRow` reads stored state directly (raw SQL for
// the databases), never through the connector under test.
import type { SessionConnector } from "../../src/connector.js";
import { MemoryConnector } from "../../src/connectors/memory.js";
import { PrismaConnector } from "../../src/connectors/prisma.js";
import { PrismaAdapterConnector } from "../../src/connectors/prisma-adapter.js";
import { openTestDatabase, type Provider, providers } from "./databases.js";

/** `postgresql` is PrismaConnector on PostgreSQL; `postgresql/adapter` is PrismaAdapterConnector. */
export type BackendName = "memory" | Provider | `${Provider}/adapter`;

export interface StoredRow {
  id: string;
  data: string;
  userId: string | null;
  version: number;
  expiresAt: Date;
  absoluteExpiresAt: Date;
  browserSession: boolean;
  userAgent: string | null;
  clientAddress: string | null;
}

export interface Backend {
  name: BackendName;
  connector: SessionConnector;
  readRow(id: string): Promise<StoredRow | null>;
  /** Every stored row's `data` text: to prove what is (not) kept at rest. */
  allStoredText(): Promise<string>;
  /** Another connector on the same storage, as a second application process would have. */
  openConnector(): SessionConnector;
  close(): Promise<void>;
}

export const backendNames: BackendName[] = [
  "memory",
  ...providers,
  ...providers.map((provider) => `${provider}/adapter` as const),
];

function toDate(value: unknown): Date {
  if (value instanceof Date) return value;
  if (typeof value === "number") return new Date(value);
  if (typeof value === "string") return new Date(/Z|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
  throw new TypeError(`not a date: ${String(value)}`);
}

function toRow(raw: Record<string, unknown>): StoredRow {
  return {
    id: String(raw.id),
    data: String(raw.data),
    userId: raw.user_id === null ? null : String(raw.user_id),
    version: Number(raw.version),
    expiresAt: toDate(raw.expires_at),
    absoluteExpiresAt: toDate(raw.absolute_expires_at),
    browserSession: Boolean(Number(raw.browser_session)),
    userAgent: raw.user_agent === null ? null : String(raw.user_agent),
    clientAddress: raw.client_address === null ? null : String(raw.client_address),
  };
}

export async function openBackend(name: BackendName): Promise<Backend> {
  if (name === "memory") {
    const connector = new MemoryConnector();
    return {
      name,
      connector,
      readRow: async (id) => {
        const row = await connector.getSession(id);
        return row && { ...row };
      },
      allStoredText: async () => "",
      openConnector: () => connector,
      close: async () => {},
    };
  }
  const provider = providers.find((candidate) => name === candidate || name === `${candidate}/adapter`);
  if (provider === undefined) throw new Error(`unknown backend ${name}`);
  const db = await openTestDatabase(provider);
  const adapter = name.endsWith("/adapter");
  return {
    name,
    connector: adapter ? new PrismaAdapterConnector(db.openAdapter()) : new PrismaConnector(db.prisma),
    openConnector: () =>
      adapter ? new PrismaAdapterConnector(db.openAdapter()) : new PrismaConnector(db.openClient()),
    readRow: async (id) => {
      const [raw] = await db.sql("SELECT * FROM sessions WHERE id = ?", [id]);
      return raw ? toRow(raw) : null;
    },
    allStoredText: async () => {
      const rows = await db.sql("SELECT id, data, user_id FROM sessions");
      return JSON.stringify(rows);
    },
    close: () => db.close(),
  };
}

/** A connector that records which methods were called, around a real one (no mocking). */
export function countCalls<C extends SessionConnector>(inner: C): { connector: C; calls: string[] } {
  const calls: string[] = [];
  const connector = new Proxy(inner, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls.push(String(property));
        return Reflect.apply(value, target, args);
      };
    },
  });
  return { connector, calls };
}
