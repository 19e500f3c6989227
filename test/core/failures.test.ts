import { describe, expect, it } from "@jest/globals";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../../prisma/generated/postgresql/client.js";
import { PrismaConnector } from "../../src/connectors/prisma.js";
import { ConfigError, ConnectorError, MemoryConnector, SessionManager, SessionStore } from "../../src/index.js";

describe("database failures", () => {
  // Port 1 on loopback: nothing listens, so every query fails to connect.
  const prisma = new PrismaClient({
    adapter: new PrismaPg({ connectionString: "postgresql://postgres@127.0.0.1:1/test" }),
  });
  const sessions = new SessionManager({ connector: new PrismaConnector(prisma) });
  const key = SessionStore.generateSessionId();

  it("load surfaces ConnectorError with the driver's error as cause; nothing fails open", async () => {
    const s = sessions.open(key);
    const error: unknown = await s.load().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ code: "CONNECTOR_ERROR" });
    expect((error as ConnectorError).cause).toBeDefined();
    expect(s.loaded).toBe(false);
  });

  it("save, destroy and per-user calls surface ConnectorError too", async () => {
    const s = sessions.open(null);
    s.set("a", 1);
    await expect(s.save()).rejects.toThrow(ConnectorError);
    await expect(sessions.open(key).destroy()).rejects.toThrow(ConnectorError);
    await expect(sessions.listUserSessions("u")).rejects.toThrow(ConnectorError);
  });
});

describe("configuration", () => {
  it("a connector lacking methods is refused when the store is built", () => {
    // @ts-expect-error: deliberately incomplete
    const build = () => new SessionStore(null, { connector: { getSession: async () => null } });
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(/destroySession/);
  });

  it.each([
    ["maxPayloadBytes", { maxPayloadBytes: 0 }],
    ["maxSaveAttempts", { maxSaveAttempts: 1.5 }],
    ["idleTimeout", { idleTimeout: { days: -1 } }],
    ["absoluteTimeout", { absoluteTimeout: {} }],
  ])("an invalid %s is a ConfigError", (_label, options) => {
    expect(() => new SessionManager({ connector: new MemoryConnector(), ...options })).toThrow(ConfigError);
  });
});
