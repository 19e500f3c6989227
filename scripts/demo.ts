// `npm run demo`: a scripted walk-through of prisma-sessions on an embedded SQLite file.
// Each step prints what it did; the script exits 0 when every step behaved as described.
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "../prisma/generated/sqlite/client.js";
import { PrismaConnector } from "../src/connectors/prisma.js";
import { SessionManager } from "../src/index.js";
import { ensureSessionTable } from "../src/setup/ensure-session-table.js";

const file = join(process.cwd(), "demo.db");
await rm(file, { force: true });
const prisma = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: `file:${file}` }) });

let step = 0;
function show(title: string, detail: string): void {
  step += 1;
  console.log(`${String(step).padStart(2)}. ${title}\n    ${detail}`);
}
function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`demo check failed: ${what}`);
}
const short = (key: string | null) => (key ? `${key.slice(0, 6)}…` : "(none)");

try {
  const table = await ensureSessionTable(prisma, { provider: "sqlite" });
  show("Create the sessions table from the shipped migration", `${file} (${table.statements} statements applied)`);

  const sessions = new SessionManager<{ cart: string[]; user: string }>({
    connector: new PrismaConnector(prisma),
    idleTimeout: { minutes: 30 },
    absoluteTimeout: { hours: 12 },
  });

  const first = sessions.open(null);
  first.set("cart", ["apple"]);
  await first.save();
  const key = first.sessionKey;
  show("Create and save a session", `key ${short(key)} (goes in the cookie), data ${JSON.stringify(first.toJSON())}`);
  const [row] = await prisma.$queryRawUnsafe<{ id: string; data: string }[]>("SELECT id, data FROM sessions");
  show(
    "Only the key's SHA-256 digest is stored",
    `row id ${row?.id.slice(0, 16)}…, the key itself is nowhere in the table`,
  );
  check(row?.id === first.id && !JSON.stringify(row).includes(key ?? "?"), "the row holds the digest, not the key");

  const reloaded = sessions.open(key);
  await reloaded.load();
  show(
    "Reload it from storage with the key",
    `data ${JSON.stringify(reloaded.toJSON())}, expires ${reloaded.getExpiryDate().toISOString()}`,
  );
  check(reloaded.get("cart")?.[0] === "apple", "reloaded data");

  reloaded.set("cart", [...(reloaded.get("cart") ?? []), "pear"]);
  await reloaded.save();
  const other = sessions.open(key);
  await other.load();
  show("Change the data and save (compare-and-swap on the row version)", `data ${JSON.stringify(other.toJSON())}`);
  check(other.get("cart")?.length === 2, "changed data");

  const newKey = await other.assignNewSessionKey();
  other.set("user", "ann");
  await other.save();
  show(
    "Sign in: rotate the key, keeping the data",
    `old ${short(key)} → new ${short(newKey)}, data ${JSON.stringify(other.toJSON())}`,
  );

  const stale = sessions.open(key);
  await stale.load();
  show(
    "The old key no longer loads",
    `old key gives ${stale.sessionKey === null ? "no session" : "a session!"}, data ${JSON.stringify(stale.toJSON())}`,
  );
  check(stale.sessionKey === null && stale.size === 0, "old key is dead");

  const fresh = sessions.open(newKey);
  await fresh.load();
  check(fresh.get("user") === "ann", "new key loads");
  fresh.setExpiry(1);
  await fresh.save();
  show("Give the session a 1-second expiry", `expires ${fresh.getExpiryDate().toISOString()}`);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const expired = sessions.open(newKey);
  await expired.load();
  show(
    "After the deadline it no longer loads",
    `key ${short(newKey)} gives ${expired.sessionKey === null ? "no session" : "a session!"}`,
  );
  check(expired.sessionKey === null && expired.size === 0, "expired session is gone");

  const malformed = sessions.open("../../etc/passwd");
  await malformed.load();
  show("A malformed cookie is simply no session (and no query)", `sessionKey ${String(malformed.sessionKey)}`);
  console.log("\nDemo finished: every step behaved as described.");
} finally {
  await prisma.$disconnect();
  await rm(file, { force: true });
}
