import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import express from "express";
import request from "supertest";
import { hashSessionKey, type SessionData } from "../../src/index.js";
import { type SessionMiddleware, session } from "../../src/integrations/express.js";
import { type Backend, backendNames, openBackend } from "../support/backends.js";
import { cookieHeader } from "./helpers.js";

// What the middleware leaves in storage, on the memory connector and every database.
describe.each(backendNames)("session middleware storage on %s", (name) => {
  let backend: Backend;
  let sessions: SessionMiddleware<SessionData>;
  let app: express.Express;

  beforeAll(async () => {
    backend = await openBackend(name);
    sessions = session({ connector: backend.connector, cookie: { secure: false } });
    app = express();
    app.use(sessions);
    app.post("/set/:key", async (req, res) => {
      const s = sessions.from(req);
      await s.load();
      s.set(req.params.key, req.params.key);
      res.send("ok");
    });
    app.get("/peek", async (req, res) => {
      res.json(await sessions.from(req).load());
    });
    app.post("/login/:user", async (req, res) => {
      const s = sessions.from(req);
      await s.assignNewSessionKey();
      s.userId = req.params.user;
      res.send("welcome");
    });
    app.post("/logout-others", async (req, res) => {
      const s = sessions.from(req);
      await s.load();
      res.json({ removed: await sessions.manager.destroyUserSessions(s.userId ?? "", { except: s }) });
    });
  });
  afterAll(() => backend.close());

  const keyOf = (cookie: string): string => cookie.split("=")[1] ?? "";

  it("parallel requests that change different keys of one session all survive", async () => {
    const cookie = cookieHeader(await request(app).post("/set/first"), "session_id");
    const keys = Array.from({ length: 12 }, (_, i) => `k${i}`);
    const responses = await Promise.all(keys.map((key) => request(app).post(`/set/${key}`).set("Cookie", cookie)));
    expect(responses.map((res) => res.status)).toEqual(keys.map(() => 200));
    const data = (await request(app).get("/peek").set("Cookie", cookie)).body;
    expect(Object.keys(data).sort()).toEqual(["first", ...keys].sort());
  });

  it("stores the key's digest, never the key", async () => {
    const cookie = cookieHeader(await request(app).post("/set/secret"), "session_id");
    const key = keyOf(cookie);
    expect((await backend.readRow(hashSessionKey(key)))?.data).toContain("secret");
    expect(await backend.allStoredText()).not.toContain(key);
  });

  it("log out other devices ends the user's other sessions only", async () => {
    const user = `ann-${name.replace("/", "-")}`;
    const laptop = cookieHeader(await request(app).post(`/login/${user}`), "session_id");
    const phone = cookieHeader(await request(app).post(`/login/${user}`), "session_id");
    expect((await request(app).post("/logout-others").set("Cookie", laptop)).body).toEqual({ removed: 1 });
    expect(await backend.readRow(hashSessionKey(keyOf(phone)))).toBeNull();
    expect((await backend.readRow(hashSessionKey(keyOf(laptop))))?.userId).toBe(user);
  });
});
