// One application process of the fleet test: the Express middleware on PrismaAdapterConnector,
// through PgBouncer. Prints its port. FLEET_URL (the database through the pooler), FLEET_IDLE_SECONDS.
import { PrismaPg } from "@prisma/adapter-pg";
import express from "express";
import { PrismaAdapterConnector } from "../../src/connectors/prisma-adapter.js";
import { session } from "../../src/integrations/express.js";

const sessions = session<Record<string, number>>({
  connector: new PrismaAdapterConnector(new PrismaPg({ connectionString: process.env.FLEET_URL ?? "" })),
  idleTimeout: { seconds: Number(process.env.FLEET_IDLE_SECONDS ?? 4) },
  rotationGrace: { seconds: 2 },
  cookie: { secure: false },
  logger: { error: (message, meta) => process.stderr.write(`${message} ${JSON.stringify(meta)}\n`) },
});
const app = express();
app.use(sessions);
app.post("/inc/:key", async (req, res) => {
  const s = sessions.from(req);
  await s.load();
  const value = (s.get(req.params.key) ?? 0) + 1;
  s.set(req.params.key, value);
  res.json({ value });
});
app.post("/login/:user", async (req, res) => {
  const s = sessions.from(req);
  await s.assignNewSessionKey();
  s.userId = req.params.user;
  res.json({ ok: true });
});
app.post("/logout", async (req, res) => {
  await sessions.from(req).destroy();
  res.json({ ok: true });
});
app.get("/state", async (req, res) => {
  const s = sessions.from(req);
  await s.load();
  res.json({ data: s.sessionKey === null ? null : s.toJSON(), superseded: s.superseded });
});
const server = app.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === "object" && address !== null ? address.port : 0}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
