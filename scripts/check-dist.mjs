// Loads every public entry of the built package through both ESM import and CommonJS require,
// the way applications will, and checks the main exports are there.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const expected = {
  "prisma-sessions": ["SessionStore", "SessionManager", "MemoryConnector", "SessionError"],
  "prisma-sessions/prisma": ["PrismaConnector", "ensureSessionTable"],
  "prisma-sessions/testing": ["describeConnectorConformance"],
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
if (failures > 0) process.exit(1);
console.log("dist: every entry loads as ESM and CommonJS");
