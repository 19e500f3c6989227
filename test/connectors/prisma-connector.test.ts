// PrismaConnector behaviour beyond the shared contract: how it is configured and how it fails.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { PrismaClientKnownRequestError } from "@prisma/client/runtime/client";
import type { SessionConnector, SessionWrite } from "../../src/connector.js";
import { PrismaConnector } from "../../src/connectors/prisma.js";
import { ConfigError } from "../../src/errors.js";
import { openTestDatabase, type Provider, providers, type TestDatabase } from "../support/databases.js";

/** Prisma's "the table does not exist" code. */
const TABLE_MISSING = "P2021";

function thrownBy(build: () => unknown): unknown {
  try {
    build();
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to throw");
}

const MINUTE = 60_000;

function write(): SessionWrite {
  const now = new Date();
  return {
    data: "{}",
    userId: null,
    expiresAt: new Date(now.getTime() + MINUTE),
    absoluteExpiresAt: new Date(now.getTime() + 2 * MINUTE),
    browserSession: false,
    updatedAt: now,
    userAgent: null,
    clientAddress: null,
  };
}

/** Every connector method, each called with arguments that would succeed on a healthy table. */
const CALLS: [string, (connector: SessionConnector) => Promise<unknown>][] = [
  ["getSession", (c) => c.getSession("a")],
  ["createSession", (c) => c.createSession({ ...write(), id: "b", version: 1, createdAt: new Date() })],
  ["updateSession", (c) => c.updateSession("a", 1, write())],
  ["touchSession", (c) => c.touchSession("a", new Date(Date.now() + MINUTE), new Date())],
  ["destroySession", (c) => c.destroySession("a")],
  ["listUserSessions", (c) => c.listUserSessions("user", new Date())],
  ["destroyUserSessions", (c) => c.destroyUserSessions("user", "a")],
  ["deleteExpiredSessions", (c) => c.deleteExpiredSessions(new Date(), 10)],
];

describe.each(providers)("PrismaConnector on %s", (provider: Provider) => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await openTestDatabase(provider);
  });

  afterAll(async () => {
    await db.close();
  });

  describe("construction", () => {
    it("accepts a client with the named model delegate", () => {
      expect(new PrismaConnector(db.prisma, { model: "session" })).toBeInstanceOf(PrismaConnector);
    });

    it("throws ConfigError when the client has no delegate of the named model", () => {
      const error = thrownBy(
        // @ts-expect-error: TypeScript refuses a model the client lacks; untyped callers get ConfigError
        () => new PrismaConnector(db.prisma, { model: "nope" }),
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({ code: "CONFIG_ERROR" });
    });
  });

  describe("the database's clock", () => {
    it("currentTime asks the database, whose provider the generated client records", async () => {
      const before = Date.now();
      const now = await new PrismaConnector(db.prisma).currentTime();
      expect(Math.abs(now.getTime() - before)).toBeLessThan(5_000);
    });

    it("a client that does not tell its provider needs the provider option, else currentTime is a ConfigError", async () => {
      const bare = { session: db.prisma.session, $queryRawUnsafe: db.prisma.$queryRawUnsafe.bind(db.prisma) };
      await expect(new PrismaConnector(bare).currentTime()).rejects.toBeInstanceOf(ConfigError);
      const told = new PrismaConnector(bare, { provider });
      expect(Math.abs((await told.currentTime()).getTime() - Date.now())).toBeLessThan(5_000);
    });
  });

  describe("not-found answers", () => {
    it("destroySession of a missing row resolves without error", async () => {
      await expect(new PrismaConnector(db.prisma).destroySession("missing-row")).resolves.toBeUndefined();
    });
  });

  describe("failures", () => {
    let broken: TestDatabase;
    let connector: PrismaConnector;

    beforeAll(async () => {
      broken = await openTestDatabase(provider);
      connector = new PrismaConnector(broken.prisma);
      await broken.exec("DROP TABLE sessions");
    });

    afterAll(async () => {
      await broken.close();
    });

    it.each(CALLS)(
      "%s rejects with Prisma's error when the table is gone, instead of answering not-found",
      async (_name, call) => {
        const failure = call(connector);
        await expect(failure).rejects.toBeInstanceOf(PrismaClientKnownRequestError);
        await expect(failure).rejects.toMatchObject({ code: TABLE_MISSING });
      },
    );
  });
});
