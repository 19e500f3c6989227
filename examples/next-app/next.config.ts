import { realpathSync } from "node:fs";
import { dirname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { NextConfig } from "next";

const repository = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * Turbopack compiles only files under its root. The example imports the library from the
 * repository's dist/ (tsconfig.json `paths`: Turbopack cannot compile src/, whose NodeNext imports
 * name `./x.js` for `./x.ts`, and has no extension alias), so the root is the repository, or above
 * it when node_modules is a symlink out of it (git worktrees that share one install).
 */
function workspaceRoot(): string {
  const a = repository.split(sep);
  const b = realpathSync(join(repository, "node_modules")).split(sep);
  let shared = 0;
  while (shared < a.length && a[shared] === b[shared]) shared++;
  return a.slice(0, shared).join(sep) || sep;
}

const config: NextConfig = {
  // create-next-app's defaults since Next 16.4: a prerendered static shell for every page, with
  // runtime data (cookies(), hence every session) rendered at request time inside <Suspense>.
  cacheComponents: true,
  partialPrefetching: true,
  turbopack: { root: workspaceRoot() },
  // Native and WebAssembly modules stay in node_modules instead of being bundled.
  serverExternalPackages: ["better-sqlite3", "@prisma/adapter-better-sqlite3", "@prisma/client"],
};

export default config;
