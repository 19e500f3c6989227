// End to end: builds the library (the example imports dist/, as an app imports the package), then
// examples/next-app with `next build` (Turbopack, cacheComponents), runs it with `next start` on a
// free port and drives it over HTTP, checking stored state in its SQLite file directly.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import Database from "better-sqlite3";
import { parseSetCookie, type SetCookie } from "cookie";
import { hashSessionKey } from "../../src/keys.js";
import { jsonSerializer } from "../../src/serializer.js";

const root = join(import.meta.dirname, "..", "..");
const app = join(root, "examples", "next-app");
const nextBin = join(root, "node_modules", "next", "dist", "bin", "next");
const dbFile = join(tmpdir(), `prisma-sessions-next-${process.pid}.db`);
const IDLE_SECONDS = 6;

/** Jest sets NODE_ENV=test, which `next build` and `next start` must not inherit. */
function childEnv(): NodeJS.ProcessEnv {
  const { NODE_ENV: _ignored, ...env } = process.env;
  return { ...env, NEXT_TELEMETRY_DISABLED: "1", SESSIONS_DB: dbFile, SESSION_IDLE_SECONDS: String(IDLE_SECONDS) };
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

interface Server {
  base: string;
  process: ChildProcess;
}

async function start(): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, [nextBin, "start", app, "-p", String(port), "-H", "127.0.0.1"], {
    env: childEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += String(chunk);
  });
  child.stderr?.on("data", (chunk) => {
    output += String(chunk);
  });
  const base = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`next start exited: ${output}`);
    try {
      await fetch(`${base}/api/data`);
      return { base, process: child };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  child.kill();
  throw new Error(`next start did not answer: ${output}`);
}

async function stop(server: Server | undefined): Promise<void> {
  if (server === undefined || server.process.exitCode !== null) return;
  server.process.kill("SIGTERM");
  await once(server.process, "exit");
}

let server: Server | undefined;

/** A browser's cookie jar for one site, reduced to the session cookie. */
class Client {
  cookie: string | null = null;
  lastSetCookie: SetCookie | undefined;

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    if (server === undefined) throw new Error("no server");
    const headers = new Headers(init.headers);
    if (this.cookie !== null) headers.set("cookie", `session_id=${this.cookie}`);
    headers.set("origin", server.base); // Server Actions check it against the host
    const response = await fetch(`${server.base}${path}`, { ...init, headers, redirect: "manual" });
    this.lastSetCookie = response.headers
      .getSetCookie()
      .map((header) => parseSetCookie(header))
      .find((cookie) => cookie.name === "session_id");
    if (this.lastSetCookie !== undefined) {
      const expired = this.lastSetCookie.maxAge === 0 || this.lastSetCookie.value === "";
      this.cookie = expired ? null : (this.lastSetCookie.value ?? null);
    }
    return response;
  }

  /** Submits one of the page's Server Action forms the way a browser without JavaScript does. */
  async submit(formId: string, fields: Record<string, string> = {}): Promise<Response> {
    const html = await (await this.request("/")).text();
    const form = new RegExp(`<form id="${formId}"[^>]*>.*?</form>`, "s").exec(html)?.[0];
    const action = form && /name="(\$ACTION_ID_[0-9a-f]+)"/.exec(form)?.[1];
    if (!action) throw new Error(`no form ${formId} on the page`);
    const body = new FormData();
    body.set(action, "");
    for (const [name, value] of Object.entries(fields)) body.set(name, value);
    return this.request("/", { method: "POST", body });
  }

  async data(): Promise<{ data: Record<string, unknown>; user: string | null }> {
    return (await (await this.request("/api/data")).json()) as { data: Record<string, unknown>; user: string | null };
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
  await stop(server);
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

    await stop(server);
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
});
