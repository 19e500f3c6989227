// What the infrastructure helpers share: free loopback ports, temp folders owned by the service's
// system user, servers started as child processes, waiting until they answer, and stopping them.
// A server left behind by a crashed test process would hold ports and disk; every child and folder
// is also removed when this process exits, whatever ended it short of SIGKILL.
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

const running = new Set<ChildProcess>();
const folders = new Set<string>();

process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** `count` distinct free ports on 127.0.0.1, all held open at once while they are picked. */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      server.listen(0, "127.0.0.1");
      await once(server, "listening");
      servers.push(server);
    }
    return servers.map((server) => {
      const address = server.address();
      if (address === null || typeof address === "string") throw new Error("a listener has no port");
      return address.port;
    });
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

/** A system account the servers run as: PostgreSQL and PgBouncer refuse to run as root. */
export interface SystemUser {
  uid: number;
  gid: number;
}

/** The account `name` when this process is root (as in CI); otherwise `null`: run as ourselves. */
export function systemUser(name: string): SystemUser | null {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string) => Number(execFileSync("id", [flag, name], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
}

/** A fresh folder under the system temp dir, owned by `owner`, removed by {@link removeFolder} or at exit. */
export function makeFolder(prefix: string, owner: SystemUser | null): string {
  const folder = mkdtempSync(join(tmpdir(), `${prefix}-`));
  folders.add(folder);
  if (owner !== null) chownSync(folder, owner.uid, owner.gid);
  return folder;
}

export function removeFolder(folder: string): void {
  rmSync(folder, { recursive: true, force: true });
  folders.delete(folder);
}

/** The first of `candidates` that exists (Debian puts some tools outside a non-root PATH). */
export function findExecutable(name: string, candidates: string[]): string {
  const found = candidates.find((path) => existsSync(path));
  if (found === undefined) {
    throw new Error(
      `${name} is not installed (looked in ${candidates.join(", ")}): apt-get install it, as .ci/run does`,
    );
  }
  return found;
}

/** A server running as a child process. */
export interface Daemon {
  readonly name: string;
  readonly pid: number;
  /** Whether it has exited. */
  readonly exited: boolean;
  /** The last lines it wrote (stdout and stderr), for error messages. */
  output(): string;
  /** Sends `signal` and waits for the exit; SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export interface DaemonOptions {
  user?: SystemUser | null;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export function startDaemon(name: string, command: string, args: string[], options: DaemonOptions = {}): Daemon {
  const { user = null } = options;
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
    ...(user === null ? {} : { uid: user.uid, gid: user.gid }),
  });
  running.add(child);
  let log = "";
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-8000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once("exit", () => {
      exited = true;
      running.delete(child);
      resolve();
    });
    child.once("error", (error) => {
      log += `\n${error.message}`;
      exited = true;
      running.delete(child);
      resolve();
    });
  });
  if (child.pid === undefined) throw new Error(`${name} did not start (${command})`);
  const { pid } = child;
  return {
    name,
    pid,
    get exited() {
      return exited;
    },
    output: () => log,
    stop: async (signal = "SIGTERM", graceMs = 20_000) => {
      if (exited) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exit;
      clearTimeout(timer);
    },
  };
}

/**
 * Polls `probe` until it resolves to true. Fails at once when `daemon` exits (with its output),
 * and after `timeoutMs` with the probe's last error.
 */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  { timeoutMs = 30_000, daemon, intervalMs = 100 }: { timeoutMs?: number; daemon?: Daemon; intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    if (daemon?.exited) throw new Error(`${daemon.name} exited before ${what}:\n${daemon.output()}`);
    try {
      if (await probe()) return;
      last = undefined;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const reason = last instanceof Error ? `: ${last.message}` : "";
      const tail = daemon === undefined ? "" : `\n${daemon.output()}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}${tail}`);
    }
    await sleep(intervalMs);
  }
}

/** Runs a command to completion (as `user`); rejects with its output when it fails. */
export async function run(command: string, args: string[], options: DaemonOptions = {}): Promise<string> {
  const { user = null } = options;
  try {
    const { stdout, stderr } = await execFileAsync(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      ...(user === null ? {} : { uid: user.uid, gid: user.gid }),
    });
    return stdout + stderr;
  } catch (error) {
    const out = (key: string) => String(Reflect.get(Object(error), key) ?? "");
    throw new Error(`${command} ${args.join(" ")} failed: ${out("message")}\n${out("stdout")}${out("stderr")}`);
  }
}
