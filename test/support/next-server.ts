// A built Next.js app under `next start` on a free loopback port, and a client that keeps its
// session cookie and submits Server Action forms the way a browser without JavaScript does. Used
// by the example app's test (test/e2e) and the fresh create-next-app test (test/infra).
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { parseSetCookie, type SetCookie } from "cookie";

/** Jest sets NODE_ENV=test, which `next build` and `next start` must not inherit. */
export function nextEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { NODE_ENV: _ignored, ...env } = process.env;
  return { ...env, NEXT_TELEMETRY_DISABLED: "1", ...extra };
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

export interface NextServer {
  base: string;
  process: ChildProcess;
  /** What the server printed so far (for failure messages). */
  output(): string;
}

/** `next start <app>` with `nextBin` (the app's Next), answering once `probe` answers. */
export async function startNext(
  nextBin: string,
  app: string,
  env: NodeJS.ProcessEnv,
  probe = "/",
): Promise<NextServer> {
  const port = await freePort();
  const child = spawn(process.execPath, [nextBin, "start", app, "-p", String(port), "-H", "127.0.0.1"], {
    env,
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
  for (let attempt = 0; attempt < 150; attempt++) {
    if (child.exitCode !== null) throw new Error(`next start exited: ${output}`);
    try {
      await fetch(`${base}${probe}`);
      return { base, process: child, output: () => output };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  child.kill();
  throw new Error(`next start did not answer: ${output}`);
}

export async function stopNext(server: NextServer | undefined): Promise<void> {
  if (server === undefined || server.process.exitCode !== null) return;
  server.process.kill("SIGTERM");
  await once(server.process, "exit");
}

/** A browser's cookie jar for one site, reduced to the session cookie. */
export class NextClient {
  cookie: string | null = null;
  lastSetCookie: SetCookie | undefined;

  constructor(
    private readonly server: () => NextServer | undefined,
    private readonly cookieName = "session_id",
  ) {}

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const server = this.server();
    if (server === undefined) throw new Error("no server");
    const headers = new Headers(init.headers);
    if (this.cookie !== null) headers.set("cookie", `${this.cookieName}=${this.cookie}`);
    headers.set("origin", server.base); // Server Actions check it against the host
    const response = await fetch(`${server.base}${path}`, { ...init, headers, redirect: "manual" });
    this.lastSetCookie = response.headers
      .getSetCookie()
      .map((header) => parseSetCookie(header))
      .find((cookie) => cookie.name === this.cookieName);
    if (this.lastSetCookie !== undefined) {
      const expired = this.lastSetCookie.maxAge === 0 || this.lastSetCookie.value === "";
      this.cookie = expired ? null : (this.lastSetCookie.value ?? null);
    }
    return response;
  }

  /** Submits the Server Action form `formId` of the page at `page`, as a browser without JavaScript does. */
  async submit(formId: string, fields: Record<string, string> = {}, page = "/"): Promise<Response> {
    const html = await (await this.request(page)).text();
    const form = new RegExp(`<form id="${formId}"[^>]*>.*?</form>`, "s").exec(html)?.[0];
    const action = form && /name="(\$ACTION_ID_[0-9a-f]+)"/.exec(form)?.[1];
    if (!action) throw new Error(`no form ${formId} on ${page}`);
    const body = new FormData();
    body.set(action, "");
    for (const [name, value] of Object.entries(fields)) body.set(name, value);
    return this.request(page, { method: "POST", body });
  }

  /** A JSON request: `body` is sent as JSON when given. */
  async json<T>(
    path: string,
    method = "GET",
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T }> {
    const init: RequestInit =
      body === undefined
        ? { method, headers }
        : { method, headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(body) };
    const response = await this.request(path, init);
    return { status: response.status, body: (await response.json()) as T };
  }
}
