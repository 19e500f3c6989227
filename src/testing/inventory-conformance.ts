import { randomBytes } from "node:crypto";
import type { SessionConnector, SessionInventory, StoredSession } from "../connector.js";

/** A connector that also offers the whole-store operations, in a store of its own. */
export interface InventoryTarget {
  connector: SessionConnector & SessionInventory;
  close?: () => Promise<void>;
}

const DAY = 86_400_000;

function row(expiresInMs: number, data = "{}"): StoredSession {
  const now = Date.now();
  return {
    id: randomBytes(32).toString("hex"),
    data,
    userId: null,
    version: 1,
    expiresAt: new Date(now + expiresInMs),
    absoluteExpiresAt: new Date(now + 2 * expiresInMs),
    browserSession: false,
    createdAt: new Date(now),
    updatedAt: new Date(now),
    userAgent: null,
    clientAddress: null,
  };
}

/**
 * Registers Jest cases for {@link SessionInventory} (count, paged listing, destroy all). The
 * target's store must start empty and be used by nothing else: `destroyAllSessions` empties it.
 *
 * @example
 * describeInventoryConformance("MyConnector", async () => ({ connector: new MyConnector(freshDb()) }));
 */
export function describeInventoryConformance(name: string, setup: () => Promise<InventoryTarget>): void {
  describe(`${name} meets the SessionInventory contract`, () => {
    let target: InventoryTarget | undefined;
    const live = [row(DAY, '{"n":1}'), row(DAY, '{"n":2}'), row(2 * DAY, '{"n":3}'), row(3 * DAY)];
    const expired = row(-DAY);
    /** A rotation marker (empty data): no session, though not yet expired. */
    const marker = row(DAY, "");

    beforeAll(async () => {
      target = await setup();
      for (const session of [...live, expired, marker]) await target.connector.createSession(session);
    });
    afterAll(async () => {
      await target?.close?.();
    });

    function connector(): SessionConnector & SessionInventory {
      if (target === undefined) throw new Error("the inventory setup() did not finish");
      return target.connector;
    }

    it("countSessions counts live sessions only (no expired rows, no rotation markers)", async () => {
      await expect(connector().countSessions(new Date())).resolves.toBe(live.length);
    });

    it("listSessions walks the live sessions (no rotation markers) in id order, page by page, with their data", async () => {
      const now = new Date();
      const first = await connector().listSessions(now, 3);
      const rest = await connector().listSessions(now, 3, first.at(-1)?.id);
      const sorted = [...live].sort((a, b) => (a.id < b.id ? -1 : 1));
      expect(first).toEqual(sorted.slice(0, 3));
      expect(rest).toEqual(sorted.slice(3));
      await expect(connector().listSessions(now, 0)).resolves.toEqual([]);
    });

    it("destroyAllSessions empties the store and returns how many rows went", async () => {
      await expect(connector().destroyAllSessions()).resolves.toBe(live.length + 2);
      await expect(connector().countSessions(new Date(0))).resolves.toBe(0);
      await expect(connector().destroyAllSessions()).resolves.toBe(0);
    });
  });
}
