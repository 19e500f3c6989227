// One cleanup runner of the fleet test: cleanupExpiredSessions with the single-runner lock every
// 300 ms, through PgBouncer, printing each run as a JSON line (start, end, outcome).
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../../prisma/generated/postgresql/client.js";
import { cleanupExpiredSessions } from "../../src/cleanup/cleanup.js";
import type { CleanupLock } from "../../src/connector.js";
import { PrismaCleanupLock } from "../../src/storage/prisma-lock.js";
import { PrismaCleanupTarget } from "../../src/storage/prisma-target.js";

const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: process.env.FLEET_URL ?? "" }) });
const target = new PrismaCleanupTarget(prisma, { provider: "postgresql" });
const inner = new PrismaCleanupLock(prisma, { provider: "postgresql" });
/**
 * A span inside the time the database held the lock for this runner: from when the grant came back
 * to just before the release is sent. Two runners' spans must never overlap. (A span that ended
 * when the release came back would: the other runner may be granted the lock while the answer to
 * this one's release is still on its way.)
 */
let held: { from: number; to: number } | null = null;
const lock: CleanupLock = {
  tryAcquire: async () => {
    const granted = await inner.tryAcquire();
    if (granted === null) return null;
    const from = Date.now();
    return {
      release: async () => {
        // Hold it a little longer, as a run with a real backlog would: runners then really contend.
        await new Promise((resolve) => setTimeout(resolve, 150));
        held = { from, to: Date.now() };
        await granted.release();
      },
    };
  },
};
let stopping = false;
process.on("SIGTERM", () => {
  stopping = true;
});
while (!stopping) {
  const start = Date.now();
  held = null;
  try {
    const result = await cleanupExpiredSessions(target, { batchSize: 50, lock });
    const window = held ?? { from: start, to: Date.now() };
    process.stdout.write(
      `${JSON.stringify({ start: window.from, end: window.to, stoppedEarly: result.stoppedEarly, deleted: result.deleted })}\n`,
    );
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ start, end: Date.now(), error: String(error) })}\n`);
  }
  await new Promise((resolve) => setTimeout(resolve, 200 + Math.random() * 200));
}
await prisma.$disconnect();
process.exit(0);
