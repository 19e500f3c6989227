// Sessions on a three-node MariaDB Galera cluster (see galera.ts), with one application client
// per node. Galera certifies each transaction at commit: when two nodes change the same row at
// once, the later one is rolled back with a deadlock error (1213). For a session that is the same
// as a lost compare-and-swap, and must be handled like one: merged and retried, never surfaced.
//
// Known failures are marked `it.failing` with the reason; they flip once src is fixed (then change
// them back to `it`).
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { cleanupExpiredSessions } from "../../src/cleanup/cleanup.js";
import type { SessionConnector } from "../../src/connector.js";
import { PrismaConnector } from "../../src/connectors/prisma.js";
import { PrismaAdapterConnector } from "../../src/connectors/prisma-adapter.js";
import { describeConnectorConformance, describeInventoryConformance } from "../../src/entries/testing.js";
import { SessionManager } from "../../src/index.js";
import { decodeData } from "../../src/serialization/decode.js";
import { bindDate } from "../../src/sql/values.js";
import { PrismaCleanupLock } from "../../src/storage/prisma-lock.js";
import { isWriteConflict } from "../../src/storage-errors.js";
import { type GaleraCluster, startGalera } from "../support/infra/galera.js";
import { type GaleraDatabase, openGaleraDatabase } from "../support/infra/galera-database.js";

let cluster: GaleraCluster | undefined;

beforeAll(async () => {
  cluster = await startGalera({ nodes: 3 });
  console.info(`Galera cluster of 3 nodes synced in ${Math.round(cluster.startMs)} ms`);
}, 240_000);
afterAll(() => cluster?.stop(), 120_000);

function galera(): GaleraCluster {
  if (cluster === undefined) throw new Error("the Galera cluster did not start");
  return cluster;
}

type Kind = "PrismaConnector" | "PrismaAdapterConnector";
const kinds: Kind[] = ["PrismaConnector", "PrismaAdapterConnector"];

function connectorOn(kind: Kind, db: GaleraDatabase, node: number): PrismaConnector | PrismaAdapterConnector {
  const client = db.clients[node];
  if (client === undefined) throw new Error(`no node ${node}`);
  return kind === "PrismaConnector" ? new PrismaConnector(client) : new PrismaAdapterConnector(db.openAdapter(node));
}

for (const kind of kinds) {
  describeConnectorConformance(`${kind} on one Galera node`, async () => {
    const db = await openGaleraDatabase(galera());
    return {
      connector: connectorOn(kind, db, 0),
      inspect: {
        readRow: async (id) => (await db.sql("SELECT * FROM sessions WHERE id = ?", [id]))[0] ?? null,
        countRows: async () => Number((await db.sql("SELECT COUNT(*) AS n FROM sessions"))[0]?.n),
      },
      close: () => db.close(),
    };
  });

  describeInventoryConformance(`${kind} on one Galera node`, async () => {
    const db = await openGaleraDatabase(galera());
    return { connector: connectorOn(kind, db, 0), close: () => db.close() };
  });
}

/** What a failed save was, in words: the error, then each cause with its driver code. */
function describeFailure(error: unknown): string {
  const parts: string[] = [];
  for (let link: unknown = error; link instanceof Error && parts.length < 4; link = link.cause) {
    const code = Reflect.get(link, "code") ?? Reflect.get(link, "errno");
    parts.push(`${link.name}${code === undefined ? "" : ` ${String(code)}`}: ${link.message.split("\n")[0]}`);
  }
  return parts.join(" <- ");
}

const WRITERS = 100;

/**
 * The connector with a certification conflict read as what it is, a lost compare-and-swap (the
 * statement was rolled back whole): the src change the failing case below asks for, applied here
 * from outside to show that it is enough.
 */
function conflictsAsLostRaces(inner: SessionConnector): SessionConnector {
  const lost = (error: unknown): false => {
    if (isWriteConflict(error)) return false;
    throw error;
  };
  return new Proxy(inner, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== "function") return value;
      const method = (...args: unknown[]): unknown => Reflect.apply(value, target, args);
      if (property !== "updateSession" && property !== "createSession" && property !== "touchSession") return method;
      return async (...args: unknown[]) => Promise.resolve(method(...args)).catch(lost);
    },
  });
}

type Writers = { kind: Kind; conflicts: "as they come from src" | "read as lost compare-and-swaps" };
const writerCases: Writers[] = kinds.flatMap((kind) => [
  { kind, conflicts: "as they come from src" as const },
  { kind, conflicts: "read as lost compare-and-swaps" as const },
]);

describe.each(writerCases)(
  "one session written from three Galera nodes at once: $kind, conflicts $conflicts",
  ({ kind, conflicts }) => {
    let db: GaleraDatabase;
    beforeAll(async () => {
      db = await openGaleraDatabase(galera());
    });
    afterAll(() => db.close());

    // A certification conflict (MariaDB 1213, which Prisma reports as P2034 and the adapter as
    // TransactionWriteConflict) is read by the save as a lost compare-and-swap: merge and retry.
    const promise = it;

    promise(
      `${WRITERS} concurrent writers of distinct keys, spread over the three nodes, keep ${WRITERS} of ${WRITERS} keys`,
      async () => {
        let mostAttempts = 1;
        const logger = {
          debug: (_message: string, details?: Record<string, unknown>) => {
            mostAttempts = Math.max(mostAttempts, Number(details?.attempt ?? 0) + 1);
          },
        };
        const connector = (node: number) => {
          const plain = connectorOn(kind, db, node);
          return conflicts === "as they come from src" ? plain : conflictsAsLostRaces(plain);
        };
        // The attempt budget is not under test here: every writer may lose every round to the others.
        const managers = [0, 1, 2].map(
          (node) => new SessionManager({ connector: connector(node), maxSaveAttempts: WRITERS, logger }),
        );
        const [first] = managers;
        if (first === undefined) throw new Error();
        const created = first.open(null);
        created.set("base", true);
        await created.save();
        const key = created.sessionKey ?? "";
        await db.onEveryNode("SELECT 1 FROM sessions WHERE id = ?", [created.id]);

        const stores = Array.from({ length: WRITERS }, (_, i) => managers[i % 3]?.open(key) ?? first.open(key));
        await Promise.all(stores.map((store) => store.load()));
        const results = await Promise.allSettled(
          stores.map(async (store, i) => {
            store.set(`k${i}`, i);
            await store.save();
          }),
        );
        const failures = results.flatMap((result) =>
          result.status === "rejected" ? [describeFailure(result.reason)] : [],
        );
        const [row] = await db.sql("SELECT data FROM sessions WHERE id = ?", [created.id]);
        const stored = decodeData(String(row?.data));
        const kept = Object.keys(stored).filter((name) => /^k\d+$/.test(name)).length;
        // A save that resolved must be in the row: anything else is a lost update, not a conflict.
        const lostSilently = results.flatMap((result, i) =>
          result.status === "fulfilled" && !(`k${i}` in stored) ? [`k${i}`] : [],
        );
        console.info(
          `${kind}, conflicts ${conflicts}: ${kept} of ${WRITERS} keys kept, ${failures.length} saves failed, ${lostSilently.length} saves resolved but lost (${lostSilently.join(", ")}), the busiest writer made ${mostAttempts} attempts`,
        );
        expect(lostSilently).toEqual([]);
        expect(failures).toEqual([]);
        expect(kept).toBe(WRITERS);
      },
      120_000,
    );
  },
);

const HOUR = 3_600_000;

/** Rows with this deadline, inserted on the first node. */
async function insertExpired(db: GaleraDatabase, count: number): Promise<void> {
  const deadline = bindDate("mysql", new Date(Date.now() - HOUR));
  for (let start = 0; start < count; start += 500) {
    const n = Math.min(500, count - start);
    const values = Array.from({ length: n }, () => "(?, '{}', ?, ?)").join(", ");
    const params = Array.from({ length: n }, (_, i) => [`x-${Date.now()}-${start + i}`, deadline, deadline]).flat();
    await db.sql(`INSERT INTO sessions (id, data, expires_at, absolute_expires_at) VALUES ${values}`, params);
  }
}

describe("the cleanup lock on Galera", () => {
  let db: GaleraDatabase;
  beforeAll(async () => {
    db = await openGaleraDatabase(galera());
  });
  afterAll(() => db.close());

  function lockOn(node: number): PrismaCleanupLock {
    const client = db.clients[node];
    if (client === undefined) throw new Error(`no node ${node}`);
    return new PrismaCleanupLock(client, { provider: "mysql" });
  }

  it("on one node, a second runner finds the lock taken", async () => {
    const held = await lockOn(0).tryAcquire();
    expect(held).not.toBeNull();
    await expect(lockOn(0).tryAcquire()).resolves.toBeNull();
    await held?.release();
  });

  // GET_LOCK is local to the node that runs it: on Galera the lock is a lease row, which replicates.
  it("a runner on another node finds the lock taken", async () => {
    const held = await lockOn(0).tryAcquire();
    const other = await lockOn(1).tryAcquire();
    try {
      expect(held).not.toBeNull();
      expect(other).toBeNull();
    } finally {
      await other?.release();
      await held?.release();
    }
  });

  it("two runners with the lock on two nodes at once: one runs, the other reports 'locked'", async () => {
    await insertExpired(db, 3000);
    const [a, b] = [0, 1].map((node) => {
      const client = db.clients[node];
      if (client === undefined) throw new Error();
      return { target: new PrismaConnector(client), lock: lockOn(node) };
    });
    if (a === undefined || b === undefined) throw new Error();
    const results = await Promise.all([
      cleanupExpiredSessions(a.target, { batchSize: 100, lock: a.lock }),
      cleanupExpiredSessions(b.target, { batchSize: 100, lock: b.lock }),
    ]);
    expect(results.map((result) => result.stoppedEarly).sort()).toEqual([false, "locked"]);
  });

  // With the lease, one runner deletes everything: a batch of two runners on two nodes could
  // come back short because the other node deleted the same rows, which cleanup would read as
  // "nothing expired left" (cleanup.ts, deleteInBatches). One runner at a time leaves nothing.
  it("two runners on two nodes at once: the one that runs leaves no expired row on any node", async () => {
    await db.sql("DELETE FROM sessions");
    await insertExpired(db, 3000);
    await db.onEveryNode("SELECT 1 FROM sessions HAVING COUNT(*) = 3000");
    const runners = [0, 1].map((node) => {
      const client = db.clients[node];
      if (client === undefined) throw new Error();
      return cleanupExpiredSessions(new PrismaConnector(client), { batchSize: 100, lock: lockOn(node) });
    });
    const results = await Promise.all(runners);
    expect(results.map((result) => result.stoppedEarly).sort()).toEqual([false, "locked"]);
    expect(results.reduce((sum, result) => sum + result.deleted, 0)).toBe(3000);
    await db.onEveryNode("SELECT 1 FROM sessions HAVING COUNT(*) = 0");
  });
});
