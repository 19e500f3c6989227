import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { PrismaConnector } from "../../src/connectors/prisma.js";
import { SessionConflict, SessionInterrupted, SessionManager } from "../../src/index.js";
import { openTestDatabase, providers, type TestDatabase } from "../support/databases.js";
import { describeEachBackend } from "../support/each-backend.js";

describeEachBackend("concurrent saves on %s", (t) => {
  it("50 concurrent stores writing different keys into one session lose nothing", async () => {
    const key = await t.storedKey({ base: true });
    const stores = Array.from({ length: 50 }, () => t.sessions.open(key));
    await Promise.all(stores.map((s) => s.load()));
    await Promise.all(
      stores.map(async (s, i) => {
        s.set(`k${i}`, i);
        await s.save();
      }),
    );
    const again = t.sessions.open(key);
    await again.load();
    const expected: Record<string, unknown> = { base: true };
    for (let i = 0; i < 50; i++) expected[`k${i}`] = i;
    expect(again.toJSON()).toEqual(expected);
    expect((await t.backend.readRow(again.id ?? ""))?.version).toBe(51);
  });

  it("a concurrent delete and a concurrent set of other keys both survive", async () => {
    const key = await t.storedKey({ a: 1, b: 2 });
    const first = t.sessions.open(key);
    const second = t.sessions.open(key);
    await Promise.all([first.load(), second.load()]);
    first.delete("a");
    second.set("c", 3);
    await first.save();
    await second.save();
    const again = t.sessions.open(key);
    await again.load();
    expect(again.toJSON()).toEqual({ b: 2, c: 3 });
    expect(second.toJSON()).toEqual({ b: 2, c: 3 });
  });

  it("for the same key, the last writer wins", async () => {
    const key = await t.storedKey({ theme: "light" });
    const first = t.sessions.open(key);
    const second = t.sessions.open(key);
    await Promise.all([first.load(), second.load()]);
    first.set("theme", "dark");
    second.set("theme", "blue");
    await first.save();
    await second.save();
    const again = t.sessions.open(key);
    await again.load();
    expect(again.get("theme")).toBe("blue");
  });

  it("a session destroyed while another request held it is not resurrected by that request", async () => {
    const key = await t.storedKey({ user: "ann" });
    const holder = t.sessions.open(key);
    await holder.load();
    await t.sessions.open(key).destroy();
    holder.set("cart", [1]);
    await expect(holder.save()).rejects.toThrow(SessionInterrupted);
    expect(await holder.exists(key)).toBe(false);
  });

  it("a rotation racing a data write keeps both", async () => {
    const key = await t.storedKey({ a: 1 });
    const rotating = t.sessions.open(key);
    const writing = t.sessions.open(key);
    await Promise.all([rotating.load(), writing.load()]);
    await rotating.assignNewSessionKey();
    writing.set("b", 2);
    await writing.save();
    await rotating.save();
    const again = t.sessions.open(rotating.sessionKey);
    await again.load();
    expect(again.toJSON()).toEqual({ a: 1, b: 2 });
  });

  it("gives up with SessionConflict after maxSaveAttempts", async () => {
    const key = await t.storedKey({ n: 0 });
    const impatient = new SessionManager({ connector: t.backend.connector, maxSaveAttempts: 1 });
    const loser = impatient.open(key);
    await loser.load();
    const winner = t.sessions.open(key);
    await winner.load();
    winner.set("n", 1);
    await winner.save();
    loser.set("m", 1);
    await expect(loser.save()).rejects.toThrow(SessionConflict);
    await expect(loser.save()).rejects.toMatchObject({ code: "SESSION_CONFLICT" });
  });
});

describe.each(providers)("concurrent saves from two processes on %s", (provider) => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await openTestDatabase(provider);
  });
  afterAll(() => db.close());

  it("two clients (as two app processes) writing 25 keys each into one session lose nothing", async () => {
    // Separate Prisma clients and connectors share no in-process write queue: only the
    // database's compare-and-swap keeps the writes apart.
    const processes = [db.prisma, db.openClient()].map(
      (client) => new SessionManager({ connector: new PrismaConnector(client) }),
    );
    const first = processes[0]?.open(null);
    first?.set("base", true);
    await first?.save();
    const key = first?.sessionKey ?? null;
    await Promise.all(
      processes.flatMap((sessions, p) =>
        Array.from({ length: 25 }, async (_, i) => {
          const s = sessions.open(key);
          await s.load();
          s.set(`p${p}k${i}`, i);
          await s.save();
        }),
      ),
    );
    const again = processes[1]?.open(key);
    await again?.load();
    expect(again?.size).toBe(51);
  });
});
