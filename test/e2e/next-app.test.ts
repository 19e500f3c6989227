// End to end: builds the library (the example imports dist/, as an app imports the package), then
// examples/next-app with `next build` (Turbopack, cacheComponents), runs it with `next start` on a
// free port and drives it over HTTP, checking stored state in its SQLite file directly.
import { spawnSync } from "node:child_process";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import Database from "better-sqlite3";
import { hashSessionKey } from "../../src/keys.js";
import { jsonSerializer } from "../../src/serializer.js";
import { NextClient, type NextServer, nextEnv, startNext, stopNext } from "../support/next-server.js";

const root = join(import.meta.dirname, "..", "..");
const app = join(root, "examples", "next-app");
const nextBin = join(root, "node_modules", "next", "dist", "bin", "next");
const dbFile = join(tmpdir(), `prisma-sessions-next-${process.pid}.db`);
const IDLE_SECONDS = 6;

function childEnv(): NodeJS.ProcessEnv {
  return nextEnv({ SESSIONS_DB: dbFile, SESSION_IDLE_SECONDS: String(IDLE_SECONDS) });
}

const start = () => startNext(nextBin, app, childEnv(), "/api/data");
let server: NextServer | undefined;

/** The example's browser: the shared client, plus its Route Handler API. */
class Client extends NextClient {
  constructor() {
    super(() => server);
  }

  async data(): Promise<{ data: Record<string, unknown>; user: string | null }> {
    return (await this.json<{ data: Record<string, unknown>; user: string | null }>("/api/data")).body;
  }

  async put(key: string, value: unknown): Promise<Response> {
    return this.request("/api/data", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ key, value }),
    });
  }
}

function row(key: string | null): { expires_at: number | string; user_id: string | null; data: string } | undefined {
  if (key === null) return undefined;
  const db = new Database(dbFile, { readonly: true });
  try {
    return db.prepare("SELECT expires_at, user_id, data FROM sessions WHERE id = ?").get(hashSessionKey(key)) as
      | { expires_at: number | string; user_id: string | null; data: string }
      | undefined;
  } finally {
    db.close();
  }
}

const deadline = (value: number | string | undefined): number => new Date(value ?? 0).getTime();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  await rm(dbFile, { force: true });
  const dist = spawnSync("npm", ["run", "build"], { cwd: root, env: childEnv(), encoding: "utf8" });
  if (dist.status !== 0) throw new Error(`npm run build failed:\n${dist.stdout}\n${dist.stderr}`);
  const build = spawnSync(process.execPath, [nextBin, "build", app], { env: childEnv(), encoding: "utf8" });
  if (build.status !== 0) throw new Error(`next build failed:\n${build.stdout}\n${build.stderr}`);
  server = await start();
}, 240_000);

afterAll(async () => {
  await stopNext(server);
  await rm(dbFile, { force: true });
});

describe("the Next.js example app (next build + next start)", () => {
  it("signs in through a Server Action: a cookie is set, the key rotates, the owner is stored", async () => {
    const client = new Client();
    await client.put("theme", "dark"); // an anonymous session with data
    const anonymous = client.cookie;
    expect(anonymous).not.toBeNull();

    const response = await client.submit("sign-in", { user: "ann" });
    expect(response.status).toBe(303);
    expect(client.lastSetCookie).toMatchObject({ httpOnly: true, sameSite: "lax", path: "/" });
    expect(client.cookie).not.toBeNull();
    expect(client.cookie).not.toBe(anonymous);
    // The old key's row is a rotation marker for a minute: no data, no owner.
    expect(row(anonymous)).toMatchObject({ data: "", user_id: null });
    expect(row(client.cookie)?.user_id).toBe("ann");
    expect(await client.data()).toEqual({ data: { theme: "dark", user: "ann" }, user: "ann" });
  });

  it("keeps data across requests, the Pages API route and a server restart", async () => {
    const client = new Client();
    await client.submit("sign-in", { user: "bob" });
    await client.put("cart", ["apple"]);
    const pages = await client.request("/api/whoami");
    expect(await pages.json()).toEqual({ user: "bob", pagesVisits: 1 });
    expect((await client.data()).data).toEqual({ user: "bob", cart: ["apple"], pagesVisits: 1 });

    await stopNext(server);
    server = await start();
    expect((await client.data()).data).toEqual({ user: "bob", cart: ["apple"], pagesVisits: 1 });
    expect(await (await client.request("/")).text()).toContain("Signed in as <strong>bob</strong>");
  }, 30_000);

  it("signs out through a Server Action: the cookie is cleared and the row deleted", async () => {
    const client = new Client();
    await client.submit("sign-in", { user: "cleo" });
    const key = client.cookie;
    expect(row(key)).toBeDefined();
    await client.submit("sign-out");
    expect(client.lastSetCookie?.maxAge).toBe(0);
    expect(client.cookie).toBeNull();
    expect(row(key)).toBeUndefined();
  });

  it("signs out other devices, keeping this one", async () => {
    const laptop = new Client();
    const phone = new Client();
    await laptop.submit("sign-in", { user: "dan" });
    await phone.submit("sign-in", { user: "dan" });
    expect((await (await laptop.request("/")).text()).match(/<li>/g)).toHaveLength(2);
    await laptop.submit("sign-out-others");
    expect(row(phone.cookie)).toBeUndefined();
    expect((await laptop.data()).user).toBe("dan");
    expect((await phone.data()).user).toBeNull();
  });

  it("refuses writes in a Server Component with SessionReadOnly's code", async () => {
    const client = new Client();
    await client.submit("sign-in", { user: "eve" });
    const html = await (await client.request("/readonly")).text();
    expect(html).toContain('id="outcome">READ_ONLY<');
    expect(jsonSerializer.parse(row(client.cookie)?.data ?? "[1,{}]")).toEqual({ user: "eve" });
  });

  it("slides the idle deadline through the proxy on page views, keeping the session past its first deadline", async () => {
    const client = new Client();
    await client.submit("sign-in", { user: "fay" });
    const first = deadline(row(client.cookie)?.expires_at);

    await client.request("/"); // less than half the idle window has passed: nothing to write
    expect(client.lastSetCookie).toBeUndefined();

    await sleep((IDLE_SECONDS / 2) * 1000 + 500);
    const page = await client.request("/"); // a Server Component page: only the proxy can send the cookie
    expect(page.status).toBe(200);
    expect(client.lastSetCookie?.expires?.getTime()).toBeGreaterThan(first);
    expect(deadline(row(client.cookie)?.expires_at)).toBeGreaterThan(first);

    await sleep(Math.max(0, first - Date.now()) + 500); // past the first deadline
    expect(await (await client.request("/")).text()).toContain("Signed in as <strong>fay</strong>");
  }, 30_000);

  it("loses nothing when parallel Route Handler requests change different keys", async () => {
    const client = new Client();
    await client.submit("sign-in", { user: "gus" });
    const keys = Array.from({ length: 8 }, (_, index) => `k${index}`);
    const responses = await Promise.all(keys.map((key, index) => client.put(key, index)));
    expect(responses.map((response) => response.status)).toEqual(keys.map(() => 200));
    const { data } = await client.data();
    expect(data).toEqual({ user: "gus", ...Object.fromEntries(keys.map((key, index) => [key, index])) });
  });

  it("logs no error while serving: nothing of the session runs in a prerender", async () => {
    const client = new Client();
    await client.submit("sign-in", { user: "hal" });
    await client.request("/");
    await client.request("/readonly");
    expect(server?.output()).not.toMatch(/error/i);
  });
});
