// The device list: what a session records of its client over HTTP, under each address policy,
// without a write of its own.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import express from "express";
import request from "supertest";
import { PrismaConnector } from "../../src/connectors/prisma.js";
import type { ClientAddressPolicy } from "../../src/http/client.js";
import { session } from "../../src/integrations/express.js";
import { countCalls } from "../support/backends.js";
import { openTestDatabase, providers, type TestDatabase } from "../support/databases.js";
import { cookieHeader, DAY_MS, manualClock } from "./helpers.js";

const FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const SAFARI =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1";

describe.each(providers)("device metadata over HTTP on %s", (provider) => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await openTestDatabase(provider);
  });
  afterAll(() => db.close());

  function buildApp(clientAddress: ClientAddressPolicy, clock = manualClock(new Date())) {
    const { connector, calls } = countCalls(new PrismaConnector(db.prisma));
    const sessions = session({ connector, clock: clock.clock, cookie: { secure: false }, clientAddress });
    const app = express();
    app.use(sessions);
    app.post("/login/:user", async (req, res) => {
      const s = sessions.from(req);
      await s.assignNewSessionKey();
      s.userId = req.params.user;
      res.send("in");
    });
    app.get("/devices", async (req, res) => {
      const s = sessions.from(req);
      await s.load();
      const list = s.userId === null ? [] : await sessions.manager.listUserSessions(s.userId);
      res.json(list.map((d) => ({ device: d.device.name, address: d.clientAddress, current: d.id === s.id })));
    });
    return { app, calls, clock };
  }

  it.each([
    ["truncated", "127.0.0.0"],
    ["full", "::ffff:127.0.0.1"],
    ["none", null],
  ] as const)("the address policy %s records %p, with the device read from the User-Agent", async (policy, address) => {
    const { app } = buildApp(policy);
    const user = `u-${policy}-${provider}`;
    const login = await request(app).post(`/login/${user}`).set("User-Agent", FIREFOX).expect(200);
    const devices = await request(app).get("/devices").set("Cookie", cookieHeader(login, "session_id")).expect(200);
    // supertest connects over IPv4 loopback; Node reports it as an IPv4-mapped IPv6 address.
    const expected = policy === "full" ? expect.stringMatching(/^(::ffff:)?127\.0\.0\.1$/) : address;
    expect(devices.body).toEqual([{ device: "Firefox 128 on Linux", address: expected, current: true }]);
  });

  it("a request from another device writes nothing; the throttled extension records it", async () => {
    const clock = manualClock(new Date());
    const { app, calls } = buildApp("truncated", clock);
    const user = `moved-${provider}`;
    const cookie = cookieHeader(await request(app).post(`/login/${user}`).set("User-Agent", FIREFOX), "session_id");
    calls.length = 0;
    await request(app).get("/devices").set("Cookie", cookie).set("User-Agent", SAFARI).expect(200);
    expect(calls).toEqual(["getSession", "listUserSessions"]);
    clock.advance(4 * DAY_MS); // past half of the 7-day idle window: the extension is due
    calls.length = 0;
    const later = await request(app).get("/devices").set("Cookie", cookie).set("User-Agent", SAFARI).expect(200);
    expect(calls).toEqual(["getSession", "listUserSessions", "touchSession"]);
    const again = await request(app).get("/devices").set("Cookie", cookie).set("User-Agent", SAFARI).expect(200);
    expect(later.body[0].device).toBe("Firefox 128 on Linux"); // listed before this request's extension
    expect(again.body[0].device).toBe("Safari 17 on iOS (iPhone)");
  });
});
