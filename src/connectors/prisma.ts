import type {
  ClientInfo,
  ExpiredBatch,
  SessionConnector,
  SessionInventory,
  SessionSummary,
  SessionWrite,
  StoredSession,
} from "../connector.js";
import { ConfigError } from "../errors.js";
import { isPositiveInteger } from "../numbers.js";
import { checkProvider, isSqlProvider, type SqlProvider } from "../sql/provider.js";
import { currentTimeStatement, readCurrentTime } from "../sql/time.js";
import { isUniqueViolation } from "../storage-errors.js";

type DateFilter = { gt?: Date; gte?: Date; lt?: Date; lte?: Date };

/** Every column but `data`: listings and cleanup never read session data. */
const SUMMARY = {
  id: true,
  userId: true,
  version: true,
  expiresAt: true,
  absoluteExpiresAt: true,
  browserSession: true,
  createdAt: true,
  updatedAt: true,
  userAgent: true,
  clientAddress: true,
} as const;

/**
 * The few methods of a Prisma model delegate (`prisma.session`) the connector calls, declared
 * structurally so any generated client fits, whatever its output path or Prisma version.
 */
export interface PrismaSessionDelegate {
  findUnique(args: { where: { id: string } }): PromiseLike<StoredSession | null>;
  findMany(args: {
    where: { userId?: string; expiresAt?: DateFilter; id?: { gt: string }; data?: { not: string } };
    select: typeof SUMMARY;
    orderBy?: [{ createdAt: "asc" }, { id: "asc" }] | { id: "asc" } | { expiresAt: "asc" };
    skip?: number;
    take?: number;
  }): PromiseLike<SessionSummary[]>;
  create(args: { data: StoredSession }): PromiseLike<unknown>;
  updateMany(args: {
    where: { id: string; version?: number; expiresAt?: DateFilter };
    data: Partial<SessionWrite> & { version?: number };
  }): PromiseLike<{ count: number }>;
  deleteMany(args?: {
    where: { id?: string | { in: string[] } | { not: string }; userId?: string; expiresAt?: DateFilter };
  }): PromiseLike<{ count: number }>;
  count(args: { where: { expiresAt: DateFilter; data?: { not: string } } }): PromiseLike<number>;
}

/** The raw-query method of a Prisma client, for the database's clock. */
export interface PrismaRawQuery {
  $queryRawUnsafe(query: string, ...values: unknown[]): PromiseLike<unknown>;
}

/** Options of {@link PrismaConnector}. */
export interface PrismaConnectorOptions<Model extends string> {
  /** The model's delegate name on the client (`prisma.session`). @default "session" */
  model?: Model;
  /**
   * The `provider` of the client's datasource (MariaDB is `"mysql"`, as in Prisma), for the one
   * raw query the connector makes (the database's clock, for cleanup).
   * @default the client's own (read from the generated client)
   */
  provider?: SqlProvider;
}

/** The client's provider: the option, else what the generated client records (`_activeProvider`). */
function providerOf(client: object, given: SqlProvider | undefined): SqlProvider | null {
  const provider: unknown = given ?? Reflect.get(client, "_activeProvider");
  return isSqlProvider(provider) ? provider : null;
}

const DELEGATE_METHODS = ["findUnique", "findMany", "create", "updateMany", "deleteMany", "count"] as const;

function isDelegate(value: unknown): value is PrismaSessionDelegate {
  return (
    typeof value === "object" &&
    value !== null &&
    DELEGATE_METHODS.every((name) => typeof Reflect.get(value, name) === "function")
  );
}

/**
 * Stores sessions through the application's own Prisma client.
 *
 * @example
 * const connector = new PrismaConnector(prisma); // or new PrismaConnector(prisma, { model: "webSession" })
 */
export class PrismaConnector<Model extends string = "session"> implements SessionConnector, SessionInventory {
  readonly #table: PrismaSessionDelegate;
  readonly #client: PrismaRawQuery;
  readonly #provider: SqlProvider | null;

  constructor(
    client: { [K in NoInfer<Model>]: PrismaSessionDelegate } & PrismaRawQuery,
    options: PrismaConnectorOptions<Model> = {},
  ) {
    const model = options.model ?? "session";
    // A client extended with @prisma/extension-read-replicas sends model reads to a replica, which
    // may not have seen a log-out, a rotation or a change a moment ago: sessions always read the primary.
    const primary: unknown = Reflect.get(client, "$primary");
    const base: unknown = typeof primary === "function" ? Reflect.apply(primary, client, []) : client;
    const table: unknown = typeof base === "object" && base !== null ? Reflect.get(base, model) : undefined;
    if (!isDelegate(table)) throw new ConfigError(`The Prisma client has no model delegate "${model}"`);
    if (options.provider !== undefined) checkProvider(options.provider);
    this.#table = table;
    this.#client = client;
    this.#provider = providerOf(client, options.provider);
  }

  async getSession(id: string): Promise<StoredSession | null> {
    return this.#table.findUnique({ where: { id } });
  }

  async createSession(session: StoredSession): Promise<boolean> {
    try {
      await this.#table.create({ data: session });
      return true;
    } catch (error) {
      // Only "id taken" is an answer; everything else (connection lost, bad schema) is a failure.
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async updateSession(id: string, expectedVersion: number, write: SessionWrite): Promise<boolean> {
    const { count } = await this.#table.updateMany({
      where: { id, version: expectedVersion },
      data: { ...write, version: expectedVersion + 1 },
    });
    return count === 1;
  }

  async touchSession(id: string, expiresAt: Date, now: Date, client?: ClientInfo): Promise<boolean> {
    const seen = client === undefined ? {} : { userAgent: client.userAgent, clientAddress: client.address };
    const { count } = await this.#table.updateMany({
      where: { id, expiresAt: { gt: now, lt: expiresAt } },
      data: { expiresAt, updatedAt: now, ...seen },
    });
    return count === 1;
  }

  async destroySession(id: string): Promise<void> {
    await this.#table.deleteMany({ where: { id } });
  }

  async listUserSessions(userId: string, now: Date): Promise<SessionSummary[]> {
    const rows = await this.#table.findMany({
      where: { userId, expiresAt: { gt: now } },
      select: SUMMARY,
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    });
    // MySQL/MariaDB's default collation compares case-insensitively and ignores trailing spaces:
    // "Ann" would see "ann"'s devices. Keep exact matches only, whatever the column's collation.
    return rows.filter((row) => row.userId === userId);
  }

  async destroyUserSessions(userId: string, exceptId?: string): Promise<number> {
    const owned = await this.#table.findMany({ where: { userId }, select: SUMMARY });
    const ids = owned.filter((row) => row.userId === userId && row.id !== exceptId).map((row) => row.id);
    if (ids.length === 0) return 0;
    // Deleting by id (and the exact owner again) keeps the collation caveat above out of deletes.
    const { count } = await this.#table.deleteMany({ where: { id: { in: ids }, userId } });
    return count;
  }

  async deleteExpiredSessions(now: Date, limit: number, from?: Date | null): Promise<ExpiredBatch> {
    if (!isPositiveInteger(limit)) return { deleted: 0, last: null };
    // Oldest deadline first, through the deadline index, from where the run's previous batch ended.
    const window: DateFilter = from ? { gte: from, lte: now } : { lte: now };
    // The `limit`-th deadline and the next one. When they differ, the batch is a plain range
    // delete up to the first (one statement, no ids sent back and forth); when they tie, rows
    // are picked by id.
    const [last, next] = await this.#table.findMany({
      where: { expiresAt: window },
      select: SUMMARY,
      orderBy: { expiresAt: "asc" },
      skip: limit - 1,
      take: 2,
    });
    if (last && next && last.expiresAt.getTime() === next.expiresAt.getTime()) {
      return { deleted: await this.#deleteTied(now, window, limit), last: last.expiresAt };
    }
    const before = last === undefined ? {} : { lt: new Date(last.expiresAt.getTime() + 1) };
    const { count } = await this.#table.deleteMany({ where: { expiresAt: { ...window, ...before } } });
    return { deleted: count, last: last?.expiresAt ?? null };
  }

  /** The `limit` oldest rows, picked by id: the rows at the batch boundary share a deadline. */
  async #deleteTied(now: Date, window: DateFilter, limit: number): Promise<number> {
    const expired = await this.#table.findMany({
      where: { expiresAt: window },
      select: SUMMARY,
      orderBy: { expiresAt: "asc" },
      take: limit,
    });
    const ids = expired.map((row) => row.id);
    const { count } = await this.#table.deleteMany({ where: { id: { in: ids }, expiresAt: { lte: now } } });
    return count;
  }

  async countExpiredSessions(now: Date): Promise<number> {
    return this.#table.count({ where: { expiresAt: { lte: now } } });
  }

  async currentTime(): Promise<Date> {
    if (this.#provider === null) {
      throw new ConfigError(
        'Cannot tell the Prisma client\'s provider: pass new PrismaConnector(prisma, { provider: "postgresql" })',
      );
    }
    const rows = await this.#client.$queryRawUnsafe(currentTimeStatement(this.#provider).sql);
    return readCurrentTime(Array.isArray(rows) ? rows[0] : undefined);
  }

  async countSessions(now: Date): Promise<number> {
    return this.#table.count({ where: { expiresAt: { gt: now }, data: { not: "" } } });
  }

  async listSessions(now: Date, limit: number, afterId?: string): Promise<StoredSession[]> {
    if (!isPositiveInteger(limit)) return [];
    const page = await this.#table.findMany({
      where: { expiresAt: { gt: now }, data: { not: "" }, ...(afterId === undefined ? {} : { id: { gt: afterId } }) },
      select: SUMMARY,
      orderBy: { id: "asc" },
      take: limit,
    });
    // Prisma batches these concurrent primary-key reads into one query.
    const rows = await Promise.all(page.map(({ id }) => this.#table.findUnique({ where: { id } })));
    return rows.filter((row) => row !== null);
  }

  async destroyAllSessions(): Promise<number> {
    const { count } = await this.#table.deleteMany();
    return count;
  }
}
