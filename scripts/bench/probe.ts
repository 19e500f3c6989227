// Where the time goes: `npx tsx scripts/bench/probe.ts`. Not part of `npm run bench`.
// Measures each Prisma query path the connector could use against raw `pg` (16 callers, pool 10,
// Node CPU per call), and the CPU of SessionStore itself over a connector that does no I/O.
import pg from "pg";
import type { SessionConnector, StoredSession } from "../../src/connector.js";
import { hashSessionKey } from "../../src/keys.js";
import { jsonSerializer, serializeData } from "../../src/serializer.js";
import { SessionManager } from "../../src/session-manager.js";
import { SessionStore } from "../../src/session-store.js";
import { countedPool, createSchema, dropSchema, sampleData, seedSessions, TABLE } from "./database.js";
import { opsPerSecond, throughput } from "./measure.js";
import { table } from "./report.js";
import { benchClient } from "./subjects.js";

const URL = process.env.PRISMA_SESSIONS_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
const CALLERS = 16;
const SECONDS = 2;
const DAY_MS = 86_400_000;

type Row = (string | number)[];

const admin = new pg.Pool({ connectionString: URL, max: 2 });
await createSchema(admin);
const keys = await seedSessions(admin, 10_000, 3);
const ids = keys.map(hashSessionKey);
const prismaPool = countedPool(URL, 10);
const rawPool = countedPool(URL, 10);
const prisma = benchClient(prismaPool.pool);
const devPool = countedPool(URL, 10);
const devPrisma = benchClient(devPool.pool, "colorless");
const rows: Row[] = [];

/** Each caller owns every 16th row, so compare-and-swap versions never collide. */
const versions = new Map(ids.map((id) => [id, 1]));
const cursors = new Array<number>(CALLERS).fill(0);
const perCaller = Math.floor(ids.length / CALLERS);
function own(caller: number): string {
  const turn = cursors[caller] ?? 0;
  cursors[caller] = turn + 1;
  return ids[caller + CALLERS * (turn % perCaller)] ?? "";
}
let pick = 0;
function anyId(): string {
  pick = (pick + 7919) % ids.length;
  return ids[pick] ?? "";
}

async function probe(name: string, counted: typeof prismaPool, call: (caller: number) => Promise<unknown>) {
  const op = async (caller: number) => {
    await call(caller);
  };
  await throughput(counted, CALLERS, 0.5, op);
  const many = await throughput(counted, CALLERS, SECONDS, op);
  const one = await throughput(counted, 1, 1, op);
  rows.push([name, opsPerSecond(many), many.cpuUs, many.roundTrips, one.cpuUs, (one.seconds * 1000) / one.ops]);
}

function write(id: string) {
  const now = new Date();
  return {
    data: jsonSerializer.stringify({ ...sampleData(1), counter: now.getTime() }),
    userId: null,
    expiresAt: new Date(now.getTime() + 7 * DAY_MS),
    absoluteExpiresAt: new Date(now.getTime() + 30 * DAY_MS),
    browserSession: false,
    updatedAt: now,
    userAgent: null,
    clientAddress: null,
    version: (versions.get(id) ?? 1) + 1,
  };
}
const casDone = (id: string) => versions.set(id, (versions.get(id) ?? 1) + 1);
const CAS_SQL = `UPDATE ${TABLE} SET data = $1, user_id = $2, expires_at = $3, absolute_expires_at = $4,
  browser_session = $5, updated_at = $6, version = $7 WHERE id = $8 AND version = $9`;
const casArgs = (id: string) => {
  const w = write(id);
  return [
    w.data,
    w.userId,
    w.expiresAt,
    w.absoluteExpiresAt,
    w.browserSession,
    w.updatedAt,
    w.version,
    id,
    w.version - 1,
  ];
};
const SELECT_SQL = `SELECT id, data, user_id, version, expires_at, absolute_expires_at, browser_session, created_at, updated_at FROM ${TABLE} WHERE id = $1`;
const TOUCH_SQL = `UPDATE ${TABLE} SET expires_at = $1, updated_at = $2 WHERE id = $3 AND expires_at > $4 AND expires_at < $5`;
// A touch window that matches no row: the client does the same work, the rows stay as seeded.
const touchArgs = (id: string): [Date, Date, string, Date, Date] => [
  new Date(),
  new Date(),
  id,
  new Date(),
  new Date(0),
];
const iso = (values: unknown[]) => values.map((v) => (v instanceof Date ? v.toISOString() : v));

try {
  const { pool } = rawPool;
  await probe("pg SELECT by id", rawPool, () => pool.query(SELECT_SQL, [anyId()]));
  await probe("findUnique({ where: { id } })", prismaPool, () => prisma.session.findUnique({ where: { id: anyId() } }));
  await probe("findUnique, errorFormat colorless (dev default)", devPool, () =>
    devPrisma.session.findUnique({ where: { id: anyId() } }),
  );
  await probe("findFirst({ where: { id } })", prismaPool, () => prisma.session.findFirst({ where: { id: anyId() } }));
  await probe("$queryRawUnsafe SELECT", prismaPool, () => prisma.$queryRawUnsafe(SELECT_SQL, anyId()));
  await probe("pg UPDATE compare-and-swap", rawPool, async (c) => {
    const id = own(c);
    await pool.query(CAS_SQL, iso(casArgs(id)));
    casDone(id);
  });
  await probe("updateMany compare-and-swap", prismaPool, async (c) => {
    const id = own(c);
    const { version, ...data } = write(id);
    await prisma.session.updateMany({ where: { id, version: version - 1 }, data: { ...data, version } });
    casDone(id);
  });
  await probe("update compare-and-swap, select version", prismaPool, async (c) => {
    const id = own(c);
    const { version, ...data } = write(id);
    await prisma.session.update({
      where: { id, version: version - 1 },
      data: { ...data, version },
      select: { version: true },
    });
    casDone(id);
  });
  await probe("updateMany CAS, errorFormat colorless (dev default)", devPool, async (c) => {
    const id = own(c);
    const { version, ...data } = write(id);
    await devPrisma.session.updateMany({ where: { id, version: version - 1 }, data: { ...data, version } });
    casDone(id);
  });
  await probe("$executeRawUnsafe compare-and-swap", prismaPool, async (c) => {
    const id = own(c);
    await prisma.$executeRawUnsafe(CAS_SQL, ...casArgs(id));
    casDone(id);
  });
  await probe("pg UPDATE touch", rawPool, () => pool.query(TOUCH_SQL, iso(touchArgs(anyId()))));
  await probe("updateMany touch", prismaPool, () => {
    const [expiresAt, updatedAt, id, gt, lt] = touchArgs(anyId());
    return prisma.session.updateMany({ where: { id, expiresAt: { gt, lt } }, data: { expiresAt, updatedAt } });
  });
  await probe("$executeRawUnsafe touch", prismaPool, () => prisma.$executeRawUnsafe(TOUCH_SQL, ...touchArgs(anyId())));
  console.log(`\nquery paths: ${CALLERS} callers on a pool of 10 (CPU = Node µs per call), and 1 caller\n`);
  table(["path", "ops/s", "CPU µs", "trips", "1 caller CPU µs", "1 caller ms"], rows);
} finally {
  await prisma.$disconnect();
  await devPrisma.$disconnect();
  await prismaPool.pool.end();
  await devPool.pool.end();
  await rawPool.pool.end();
  await dropSchema(admin);
  await admin.end();
}

// SessionStore's own CPU, over a connector that answers at once with a ~1 KB row.
const key = keys[0] ?? "";
const text = jsonSerializer.stringify(sampleData(1));
const now = Date.now();
const stored = (): StoredSession => ({
  id: hashSessionKey(key),
  data: text,
  userId: null,
  version: 1,
  expiresAt: new Date(now + 3 * DAY_MS),
  absoluteExpiresAt: new Date(now + 30 * DAY_MS),
  browserSession: false,
  createdAt: new Date(now),
  updatedAt: new Date(now),
  userAgent: null,
  clientAddress: null,
});
const instant: SessionConnector = {
  getSession: async () => stored(),
  createSession: async () => true,
  updateSession: async () => true,
  touchSession: async () => true,
  destroySession: async () => {},
  listUserSessions: async () => [],
  destroyUserSessions: async () => 0,
  currentTime: async () => new Date(),
  deleteExpiredSessions: async () => ({ deleted: 0, last: null }),
  countExpiredSessions: async () => 0,
};
const { options } = new SessionManager<{ counter: number }>({ connector: instant });
const open = () => new SessionStore<{ counter: number }>(key, options);
const parsed = jsonSerializer.parse(text);
const cpuRows: Row[] = [];
async function cpu(name: string, n: number, call: () => unknown) {
  for (let i = 0; i < n / 4; i++) await call();
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) await call();
  const used = process.cpuUsage(start);
  cpuRows.push([name, (used.user + used.system) / n]);
}
await cpu("SessionStore load", 20_000, () => open().load());
await cpu("SessionStore load + needsUpdate()", 20_000, async () => {
  const s = open();
  await s.load();
  return s.needsUpdate();
});
await cpu("SessionStore load + set + save", 20_000, async () => {
  const s = open();
  await s.load();
  s.set("counter", 1);
  await s.save();
});
await cpu("SessionStore load + save (touch)", 20_000, async () => {
  const s = open();
  await s.load();
  await s.save();
});
await cpu("sha256 of a key (hashSessionKey)", 100_000, () => hashSessionKey(key));
await cpu("jsonSerializer.parse ~1 KB", 50_000, () => jsonSerializer.parse(text));
await cpu("JSON.parse ~1 KB (no reviver)", 50_000, () => JSON.parse(text));
await cpu("serializeData ~1 KB (replacer)", 50_000, () => serializeData(jsonSerializer, parsed));
await cpu("JSON.stringify ~1 KB (no replacer)", 50_000, () => JSON.stringify(parsed));
await cpu("TextEncoder().encode().byteLength", 50_000, () => new TextEncoder().encode(text).byteLength);
await cpu("Buffer.byteLength", 50_000, () => Buffer.byteLength(text));
console.log(`\nCPU of the core with an instant connector (data ${text.length} bytes)\n`);
table(["step", "CPU µs"], cpuRows);
