import { spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "tsup";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const OUT = join(ROOT, "node_modules", ".cache", "prisma-sessions-cli-test", String(process.pid));

/** What a run of the command line left behind. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

let built: Promise<string> | undefined;

/**
 * Bundles src/entries/cli.ts the way the package build does (tsup, packages left external), once per test
 * file: a child then starts in a quarter of a second instead of compiling TypeScript each time.
 */
function cliScript(): Promise<string> {
  built ??= build({
    config: false,
    entry: { cli: join(ROOT, "src", "entries", "cli.ts") },
    format: ["esm"],
    outDir: OUT,
    target: "node20",
    external: [/^[^./]/],
    silent: true,
  }).then(() => join(OUT, "cli.js"));
  return built;
}

/** Deletes the bundle; call from afterAll. */
export async function removeCliBuild(): Promise<void> {
  await rm(OUT, { recursive: true, force: true });
}

/**
 * Runs `prisma-sessions …` as a child process, with DATABASE_URL only when `env` sets it.
 * `interrupt` sends that signal as soon as the child writes to stderr (its first progress line);
 * `clockOffset` (faketime's syntax, e.g. "+1h") runs the child with its clock shifted.
 */
export async function runCli(
  args: string[],
  env: Record<string, string> = {},
  interrupt?: NodeJS.Signals,
  options: { clockOffset?: string } = {},
): Promise<CliRun> {
  const script = await cliScript();
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  // A host whose clock is off: Debian's faketime (libfaketime) shifts the child's clock only.
  const [command, prefix] =
    options.clockOffset === undefined
      ? [process.execPath, []]
      : ["faketime", ["-f", options.clockOffset, process.execPath]];
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...prefix, script, ...args], {
      cwd: ROOT,
      env: { ...inherited, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      if (interrupt !== undefined && stderr === "") child.kill(interrupt);
      stderr += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
