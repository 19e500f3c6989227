import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Controller, Get, type INestApplication, Inject, Module, Post } from "@nestjs/common";
import { Test } from "@nestjs/testing";
import { PrismaPg } from "@prisma/adapter-pg";
import request from "supertest";
import { PrismaClient } from "../../prisma/generated/postgresql/client.js";
import { PrismaConnector } from "../../src/connectors/prisma.js";
import { MemoryConnector, SessionManager, type SessionStore } from "../../src/index.js";
import { CurrentSession, Session, SessionModule, type SessionModuleOptions } from "../../src/integrations/nestjs.js";
import { openTestDatabase, providers, type TestDatabase, type TestPrismaClient } from "../support/databases.js";
import { cookieHeader, cookieSet, setCookies } from "./helpers.js";

type Data = { count: number; user: string };

/** What an application's own Prisma service looks like to the session module: just a provider. */
abstract class PrismaService {}

@Controller()
class AccountController {
  constructor(@Inject(SessionManager) private readonly sessions: SessionManager<Data>) {}

  @Get("count")
  async count(@CurrentSession() session: SessionStore<Data>): Promise<{ count: number }> {
    await session.load();
    const count = (session.get("count") ?? 0) + 1;
    session.set("count", count);
    return { count };
  }

  @Get("me")
  async me(@CurrentSession() session: SessionStore<Data>): Promise<Partial<Data>> {
    return session.load();
  }

  @Get("health")
  health(): string {
    return "ok";
  }

  @Post("login")
  async login(@CurrentSession() session: SessionStore<Data>): Promise<Partial<Data>> {
    await session.assignNewSessionKey();
    session.userId = "ann";
    session.set("user", "ann");
    return session.toJSON();
  }

  @Post("logout")
  async logout(@CurrentSession() session: SessionStore<Data>): Promise<string> {
    await session.destroy();
    return "bye";
  }

  @Post("logout-others")
  async logoutOthers(@CurrentSession() session: SessionStore<Data>): Promise<{ removed: number }> {
    await session.load();
    const user = session.userId;
    return { removed: user === null ? 0 : await this.sessions.destroyUserSessions(user, { except: session }) };
  }
}

/** The application's database module, as Nest apps have one, exporting its PrismaService. */
function databaseModule(prisma: TestPrismaClient | PrismaClient) {
  @Module({ providers: [{ provide: PrismaService, useValue: prisma }], exports: [PrismaService] })
  class DatabaseModule {}
  return DatabaseModule;
}

async function startApp(sessionModule: ReturnType<typeof SessionModule.forRoot>): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [sessionModule],
    controllers: [AccountController],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

function withPrisma(prisma: TestPrismaClient | PrismaClient, extra: Partial<SessionModuleOptions> = {}) {
  return SessionModule.forRootAsync({
    imports: [databaseModule(prisma)],
    inject: [PrismaService],
    useFactory: (service: TestPrismaClient) => ({
      connector: new PrismaConnector(service),
      cookie: { secure: false },
      exclude: ["health"],
      ...extra,
    }),
  });
}

describe("the session parameter decorator", () => {
  it("is CurrentSession, which does not shadow @nestjs/common's Session; the old name is an alias of it", () => {
    expect(Session).toBe(CurrentSession);
  });
});

describe.each(providers)("SessionModule on %s", (provider) => {
  let db: TestDatabase;
  let app: INestApplication;

  beforeAll(async () => {
    db = await openTestDatabase(provider);
    app = await startApp(withPrisma(db.prisma));
  });
  afterAll(async () => {
    await app.close();
    await db.close();
  });

  const server = () => app.getHttpServer();

  it("counts visits in the session", async () => {
    const first = await request(server()).get("/count");
    expect(first.body).toEqual({ count: 1 });
    const cookie = cookieHeader(first, "session_id");
    const second = await request(server()).get("/count").set("Cookie", cookie);
    expect(second.body).toEqual({ count: 2 });
    expect(cookieHeader(second, "session_id")).toBe(cookie); // same key, later deadline
  });

  it("login rotates the key and keeps the data", async () => {
    const before = cookieHeader(await request(server()).get("/count"), "session_id");
    const login = await request(server()).post("/login").set("Cookie", before);
    const after = cookieHeader(login, "session_id");
    expect(after).not.toBe(before);
    expect((await request(server()).get("/me").set("Cookie", after)).body).toEqual({ count: 1, user: "ann" });
    expect((await request(server()).get("/me").set("Cookie", before)).body).toEqual({});
  });

  it("logout clears the cookie", async () => {
    const cookie = cookieHeader(await request(server()).post("/login"), "session_id");
    const res = await request(server()).post("/logout").set("Cookie", cookie);
    expect(cookieSet(res, "session_id")?.maxAge).toBe(0);
    expect((await request(server()).get("/me").set("Cookie", cookie)).body).toEqual({});
  });

  it("logs out the user's other devices through the injected SessionManager", async () => {
    const laptop = cookieHeader(await request(server()).post("/login"), "session_id");
    const phone = cookieHeader(await request(server()).post("/login"), "session_id");
    const res = await request(server()).post("/logout-others").set("Cookie", laptop);
    expect(res.body.removed).toBeGreaterThanOrEqual(1);
    expect((await request(server()).get("/me").set("Cookie", laptop)).body).toEqual({ user: "ann" });
    expect((await request(server()).get("/me").set("Cookie", phone)).body).toEqual({});
  });

  it("excluded routes run without the middleware", async () => {
    const res = await request(server()).get("/health");
    expect(res.text).toBe("ok");
    expect(res.headers.vary).toBeUndefined();
  });
});

describe("SessionModule.forRoot", () => {
  it("takes the options directly", async () => {
    const app = await startApp(SessionModule.forRoot({ connector: new MemoryConnector(), cookie: { secure: false } }));
    try {
      const first = await request(app.getHttpServer()).get("/count");
      const cookie = cookieHeader(first, "session_id");
      expect((await request(app.getHttpServer()).get("/count").set("Cookie", cookie)).body).toEqual({ count: 2 });
      expect(app.get(SessionManager)).toBeInstanceOf(SessionManager);
    } finally {
      await app.close();
    }
  });
});

describe("SessionModule with the database down", () => {
  // Port 1 on loopback: nothing listens, so every query fails to connect.
  const prisma = new PrismaClient({
    adapter: new PrismaPg({ connectionString: "postgresql://postgres@127.0.0.1:1/test" }),
  });
  const logged: unknown[] = [];
  const logger = { error: (message: string, meta?: Record<string, unknown>) => logged.push({ message, ...meta }) };
  let closed: INestApplication;
  let open: INestApplication;

  beforeAll(async () => {
    closed = await startApp(withPrisma(prisma, { logger }));
    open = await startApp(withPrisma(prisma, { logger, onStorageError: "fail-open" }));
  });
  afterAll(async () => {
    await closed.close();
    await open.close();
  });

  const key = `session_id=${"k".repeat(32)}`;

  it("answers 503 and logs the cause", async () => {
    const res = await request(closed.getHttpServer()).get("/count").set("Cookie", key);
    expect(res.status).toBe(503);
    expect(res.text).toMatch(/session storage cannot be reached/);
    expect(logged).toContainEqual(expect.objectContaining({ message: expect.stringMatching(/503/) }));
  });

  it("continues without a session under fail-open", async () => {
    const res = await request(open.getHttpServer()).get("/count").set("Cookie", key);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ count: 1 });
    expect(setCookies(res)).toEqual([]);
  });
});
