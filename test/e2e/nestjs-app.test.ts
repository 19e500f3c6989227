// The NestJS example (examples/nestjs-app) on a real HTTP server, with its own SQLite file.
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { INestApplication } from "@nestjs/common";
import { NestFactory } from "@nestjs/core";
import request from "supertest";
import { AppModule } from "../../examples/nestjs-app/src/app.module.js";
import { cookieHeader, cookieSet } from "../integrations/helpers.js";

const dbFile = join(tmpdir(), `prisma-sessions-nestjs-example-${process.pid}.db`);
let app: INestApplication;

beforeAll(async () => {
  await rm(dbFile, { force: true });
  process.env.SESSIONS_DB = dbFile;
  app = await NestFactory.create(AppModule, { logger: false });
  await app.listen(0, "127.0.0.1");
});

afterAll(async () => {
  await app?.close();
  await rm(dbFile, { force: true });
});

const http = () => request(app.getHttpServer());

async function signIn(user: string): Promise<string> {
  return cookieHeader(await http().post("/sign-in").send({ user }), "session_id");
}

describe("the NestJS example app (SessionModule.forRootAsync with its PrismaService)", () => {
  it("signs in with a new key, keeping the anonymous cart", async () => {
    const anonymous = cookieHeader(await http().post("/cart").send({ item: "apple" }), "session_id");
    const signedIn = await http().post("/sign-in").set("Cookie", anonymous).send({ user: "ann" });
    const cookie = cookieHeader(signedIn, "session_id");
    expect(cookie).not.toBe(anonymous);
    expect(cookieSet(signedIn, "session_id")).toMatchObject({ httpOnly: true, sameSite: "lax" });
    const me = await http().get("/me").set("Cookie", cookie);
    expect(me.body).toEqual({ user: "ann", data: { cart: ["apple"], user: "ann" } });
    expect((await http().get("/me").set("Cookie", anonymous)).body).toEqual({ user: null, data: {} });
  });

  it("lists the user's devices and signs out the others", async () => {
    const laptop = await signIn("bob");
    const phone = await signIn("bob");
    const devices = await http().get("/devices").set("Cookie", laptop);
    expect(devices.body).toHaveLength(2);
    expect(devices.body.filter((device: { current: boolean }) => device.current)).toHaveLength(1);
    expect((await http().post("/sign-out-others").set("Cookie", laptop)).body).toEqual({ removed: 1 });
    expect((await http().get("/me").set("Cookie", phone)).body.user).toBeNull();
    expect((await http().get("/me").set("Cookie", laptop)).body.user).toBe("bob");
  });

  it("signs out: the cookie is cleared and the session gone", async () => {
    const cookie = await signIn("cleo");
    const out = await http().post("/sign-out").set("Cookie", cookie);
    expect(cookieSet(out, "session_id")).toMatchObject({ value: "", maxAge: 0 });
    expect((await http().get("/me").set("Cookie", cookie)).body).toEqual({ user: null, data: {} });
  });

  it("loses nothing when parallel requests change different keys", async () => {
    const cookie = await signIn("dan");
    const keys = Array.from({ length: 8 }, (_, index) => `k${index}`);
    await Promise.all(
      keys.map((key, index) => http().post(`/data/${key}`).set("Cookie", cookie).send({ value: index })),
    );
    const { body } = await http().get("/me").set("Cookie", cookie);
    expect(body.data).toEqual({ user: "dan", ...Object.fromEntries(keys.map((key, index) => [key, index])) });
  });
});
