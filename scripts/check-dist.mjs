// Loads every public entry of the built package through both ESM import and CommonJS require,
// the way applications will, and checks the main exports are there.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const expected = {
  "prisma-sessions": ["SessionStore", "SessionManager", "MemoryConnector", "SessionError"],
  "prisma-sessions/prisma": ["PrismaConnector", "ensureSessionTable"],
  "prisma-sessions/testing": ["describeConnectorConformance"],
  "prisma-sessions/express": ["session", "requestSession"],
  "prisma-sessions/express-session": ["ExpressSessionStore"],
  "prisma-sessions/nestjs": ["SessionModule", "Session"],
  "prisma-sessions/next": ["nextSessions"],
  "prisma-sessions/cleanup": ["cleanupExpiredSessions", "scheduleCleanup", "PrismaCleanupLock"],
  "prisma-sessions/fetch": ["fetchSessions", "beginFetch", "settleFetch", "SessionHttp"],
  "prisma-sessions/fastify": ["sessionPlugin"],
  "prisma-sessions/hono": ["honoSession"],
  "prisma-sessions/react-router": ["createPrismaSessionStorage"],
};
let failures = 0;
for (const [entry, names] of Object.entries(expected)) {
  const esm = await import(entry);
  const cjs = require(entry);
  for (const name of names) {
    for (const [format, mod] of [
      ["esm", esm],
      ["cjs", cjs],
    ]) {
      if (typeof mod[name] !== "function") {
        console.error(`${entry} (${format}) lacks ${name}`);
        failures++;
      }
    }
  }
}

// Next is an optional peer, imported only on the first App Router call: loading the entry must not load it.
if (Object.keys(require.cache).some((file) => file.includes("/node_modules/next/"))) {
  console.error("prisma-sessions/next loaded Next at import time");
  failures++;
}

// Hono and Fastify are optional peers the entries need only as types: loading them must not load them.
for (const name of ["hono", "fastify"]) {
  if (Object.keys(require.cache).some((file) => file.includes(`/node_modules/${name}/`))) {
    console.error(`prisma-sessions loaded ${name} at import time`);
    failures++;
  }
}

// The web-platform entries run where only web APIs exist: nothing they load, following their
// static imports through the shared chunks, imports a Node built-in.
const { isBuiltin } = await import("node:module");
const { readFileSync: read } = await import("node:fs");
for (const entry of ["fetch.js", "hono.js", "react-router.js"]) {
  const seen = new Set();
  const stack = [entry];
  while (stack.length > 0) {
    const file = stack.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    const text = read(new URL(`../dist/${file}`, import.meta.url), "utf8");
    for (const [, specifier] of text.matchAll(/(?:^|[\s;])(?:import|export)\b[^"';]*?["']([^"']+)["']/g)) {
      if (specifier.startsWith("./")) stack.push(specifier.slice(2));
      else if (isBuiltin(specifier)) {
        console.error(`dist/${entry} loads ${specifier} (through dist/${file}): not on a web-only runtime`);
        failures++;
      }
    }
  }
}

// The `bin`: an executable file with a shebang that answers --help without a database.
const pkg = require("prisma-sessions/package.json");
const bin = new URL(`../${pkg.bin["prisma-sessions"]}`, import.meta.url);
const { readFileSync, statSync } = await import("node:fs");
const { spawnSync } = await import("node:child_process");
if (!readFileSync(bin, "utf8").startsWith("#!/usr/bin/env node\n")) {
  console.error(`${bin.pathname} lacks the #!/usr/bin/env node line`);
  failures++;
}
if ((statSync(bin).mode & 0o111) === 0) {
  console.error(`${bin.pathname} is not executable`);
  failures++;
}
const help = spawnSync(bin.pathname, ["--help"], { encoding: "utf8" });
if (help.status !== 0 || !help.stdout.startsWith("Usage: prisma-sessions")) {
  console.error(`prisma-sessions --help exited ${help.status}: ${help.stderr}`);
  failures++;
}
if (failures > 0) process.exit(1);
console.log("dist: every entry loads as ESM and CommonJS; the prisma-sessions command runs");
