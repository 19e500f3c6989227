// SessionModule on NestJS's Fastify platform (@nestjs/platform-fastify) over HTTP, on every
// database: the module picks the Fastify hooks by the application's adapter.
import { describe, expect, it } from "@jest/globals";
import { Controller, Get, HttpCode, Inject, Param, Post } from "@nestjs/common";
import { FastifyAdapter, type NestFastifyApplication } from "@nestjs/platform-fastify";
import { Test } from "@nestjs/testing";
import request from "supertest";
import type { SessionHttpOptions } from "../../src/http/session-http.js";
import { MemoryConnector, SessionManager, type SessionStore } from "../../src/index.js";
import { CurrentSession, SessionModule, type SessionModuleOptions } from "../../src/integrations/nestjs.js";
import { describeHttpBehaviour, type ServedApp } from "./behaviour.js";
import { cookieHeader, setCookies } from "./helpers.js";

@Controller()
class BehaviourController {
  constructor(@Inject(SessionManager) readonly sessions: SessionManager) {}

  @Get("peek")
  peek(@CurrentSession() session: SessionStore) {
    return session.load();
  }

  @Post("set/:key")
  @HttpCode(200)
  async set(@CurrentSession() session: SessionStore, @Param("key") key: string) {
    await session.load();
    session.set(key, key);
    return "ok";
  }

  @Post("login")
  @HttpCode(200)
  async login(@CurrentSession() session: SessionStore) {
    await session.assignNewSessionKey();
    session.userId = "ann";
    session.set("user", "ann");
    return session.toJSON();
  }

  @Get("health")
  health() {
    return "ok";
  }

  @Post("logout-others")
  async logoutOthers(@CurrentSession() session: SessionStore) {
    await session.load();
    const user = session.userId;
    return { removed: user === null ? 0 : await this.sessions.destroyUserSessions(user, { except: session }) };
  }
}

async function startNest(options: SessionModuleOptions): Promise<NestFastifyApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [SessionModule.forRoot(options)],
    controllers: [BehaviourController],
  }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

async function start(options: SessionHttpOptions): Promise<ServedApp> {
  const app = await startNest(options);
  return { server: app.getHttpServer(), close: () => app.close() };
}

describeHttpBehaviour("SessionModule on NestJS's Fastify platform", start);

describe("SessionModule on the Fastify platform, wiring", () => {
  it("runs the Fastify hooks (not the Express middleware), honours exclude, and injects the same manager", async () => {
    const app = await startNest({ connector: new MemoryConnector(), cookie: { secure: false }, exclude: ["health"] });
    try {
      const server = app.getHttpServer();
      const laptop = cookieHeader(await request(server).post("/login").expect(200), "session_id");
      const phone = cookieHeader(await request(server).post("/login").expect(200), "session_id");
      expect((await request(server).post("/logout-others").set("Cookie", laptop)).body).toEqual({ removed: 1 });
      expect((await request(server).get("/peek").set("Cookie", phone)).body).toEqual({});
      const health = await request(server).get("/health").expect(200);
      expect(health.headers.vary).toBeUndefined();
      expect(setCookies(health)).toEqual([]);
      expect(app.getHttpAdapter().getType()).toBe("fastify");
    } finally {
      await app.close();
    }
  });
});
