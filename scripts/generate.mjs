// Generates the Prisma client of each provider schema under prisma/ (used by the tests, the demo
// and the benchmarks), the benchmark's client for @quixo3/prisma-session-store's model, the
// tests' fixture of otherwise-mapped session models, and the Next.js example's own client. Skips a
// schema that has not changed since its last generation.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: "1" };

// `prisma generate` never runs the schema engine, yet the CLI first tries to download it and
// fails when it cannot (machines that reach only the npm registry). The CLI accepts any existing
// file in PRISMA_SCHEMA_ENGINE_BINARY instead. Set it only when no engine was downloaded, so a
// normal machine is left alone.
const enginesDir = dirname(require.resolve("@prisma/engines/package.json"));
const hasEngine = readdirSync(enginesDir).some((name) => name.startsWith("schema-engine"));
if (!hasEngine && !env.PRISMA_SCHEMA_ENGINE_BINARY) env.PRISMA_SCHEMA_ENGINE_BINARY = fileURLToPath(import.meta.url);

const prismaCli = join(dirname(require.resolve("prisma/package.json")), "build", "index.js");

const schemas = [
  ...["sqlite", "postgresql", "mysql"].map((provider) => ({ name: provider, dir: join(root, "prisma", provider) })),
  { name: "quixo", dir: join(root, "scripts", "bench", "quixo") },
  { name: "mapped-models", dir: join(root, "test", "fixtures", "mapped-models") },
  // The Next.js example's own client (generated into examples/next-app/generated/prisma).
  {
    name: "next-app",
    dir: join(root, "examples", "next-app", "prisma"),
    output: join(root, "examples", "next-app", "generated", "prisma"),
  },
];

for (const { name, dir, output = join(root, "prisma", "generated", name) } of schemas) {
  const schema = join(dir, "schema.prisma");
  const stamp = join(output, ".schema-hash");
  const hash = createHash("sha256").update(readFileSync(schema)).digest("hex");
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === hash) continue;
  execFileSync(process.execPath, [prismaCli, "generate", "--schema", schema], { cwd: root, env, stdio: "inherit" });
  writeFileSync(stamp, hash);
}
