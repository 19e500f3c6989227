// An app that uses only the native Express middleware, compiled and run by
// scripts/check-package.mjs in a project with neither express-session nor its types installed,
// under `skipLibCheck: false`: `prisma-sessions/express` must not need them.
import express from "express";
import { MemoryConnector } from "prisma-sessions";
import { session } from "prisma-sessions/express";

const sessions = session<{ views: number }>({ connector: new MemoryConnector(), cookie: { secure: false } });
const app = express().use(sessions);
app.get("/", async (req, res) => {
  const s = sessions.from(req);
  await s.load();
  s.set("views", (s.get("views") ?? 0) + 1);
  res.json({ views: s.get("views") });
});

const server = app.listen(0, "127.0.0.1", async () => {
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}/`;
  const first = await fetch(url);
  const cookie = (first.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const second = await fetch(url, { headers: { cookie } });
  console.log(JSON.stringify(await second.json()));
  server.close();
});
