// What the package checks share: running commands, packing the working tree into a tarball, and
// installing into throwaway consumer projects. Used by check-package.mjs and check-snippets.mjs.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root folder. */
export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** `npm install` as the checks run it: quiet, from the cache when it can. */
export const npmInstall = ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"];

/** A logger that prefixes each line with the seconds since it was made. */
export function createLog() {
  const started = performance.now();
  return (message) => console.log(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${message}`);
}

/** Runs a command; on failure prints its output and throws. Returns its standard output. */
export function run(command, args, cwd, env = process.env) {
  try {
    return execFileSync(command, args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    process.stdout.write(error.stdout ?? "");
    process.stderr.write(error.stderr ?? "");
    throw new Error(`${command} ${args.join(" ")} failed in ${cwd} (exit ${error.status})`);
  }
}

/** The path of an installed package's command in `dir`. */
export function bin(dir, name) {
  return join(dir, "node_modules", ".bin", name);
}

/**
 * Packs the working tree into `destination`; package.json must come back byte for byte (what
 * differs is pushed to `problems`). Packing needs `npm ci` first: prepack builds dist/ with tsup
 * and cleans package.json with clean-package (postpack restores it).
 */
export function pack(destination, problems) {
  const manifestFile = join(root, "package.json");
  // A pack that failed after prepack leaves the cleaned package.json (no scripts, so no prepack
  // next time) and the backup: packing again would ship stale dist/ and hide it.
  if (existsSync(`${manifestFile}.backup`)) {
    throw new Error("package.json.backup exists: an earlier npm pack stopped half-way; run npx clean-package restore");
  }
  const before = readFileSync(manifestFile);
  const pkg = JSON.parse(before.toString("utf8"));
  run("npm", ["pack", "--pack-destination", destination, "--loglevel=error"], root);
  if (!before.equals(readFileSync(manifestFile))) problems.push("package.json differs after npm pack");
  if (existsSync(`${manifestFile}.backup`)) problems.push("npm pack left package.json.backup behind");
  return { pkg, tarball: join(destination, `${pkg.name}-${pkg.version}.tgz`) };
}
