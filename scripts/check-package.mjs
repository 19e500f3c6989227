// Checks the package as users get it: packs the tarball from the working tree, lints it (publint,
// arethetypeswrong), checks what it ships, then installs it into fresh consumer projects, ESM and
// CommonJS under several TypeScript resolutions, each of which compiles and runs
// examples/package-consumer/index.ts and the `prisma-sessions` command.
//
// Packing needs `npm ci` first: prepack builds dist/ with tsup and cleans package.json with
// clean-package (postpack restores it; after a pack that failed half-way, `npx clean-package
// restore` does). Everything happens in a temporary folder, removed at the
// end (`--keep` leaves it for a look). Usage: node scripts/check-package.mjs [--keep]
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { bin, createLog, npmInstall, pack, root, run } from "./lib/package-tools.mjs";

const keep = process.argv.includes("--keep");
const log = createLog();
const work = mkdtempSync(join(tmpdir(), "prisma-sessions-package-"));
const problems = [];

/** What the tarball ships and what its package.json says. */
function checkContents(pkg, tarball) {
  const files = new Set(
    run("tar", ["-tzf", tarball], work)
      .split("\n")
      .filter((line) => line !== "" && !line.endsWith("/"))
      .map((line) => line.replace(/^package\//, "")),
  );
  const targets = (entry) =>
    typeof entry === "string" ? [entry] : Object.values(entry ?? {}).flatMap((value) => targets(value));
  const required = [
    ...[pkg.exports, pkg.bin, pkg.main, pkg.module, pkg.types, pkg.typesVersions]
      .flatMap(targets)
      .map((path) => path.replace(/^\.\//, "")),
    "LICENSE",
    "README.md",
    "prisma/schema.reference.prisma",
    ...["sqlite", "postgresql", "mysql"].map((provider) => `prisma/${provider}/migrations/migration_lock.toml`),
  ];
  for (const file of required) if (!files.has(file)) problems.push(`the tarball lacks ${file}`);
  for (const provider of ["sqlite", "postgresql", "mysql"]) {
    const pattern = new RegExp(`^prisma/${provider}/migrations/[^/]+/migration\\.sql$`);
    if (![...files].some((file) => pattern.test(file))) problems.push(`the tarball has no ${provider} migration`);
  }
  // Ours, not users': generated clients, per-provider test schemas, sources, a CommonJS or typed bin.
  const unwanted = [
    /^prisma\/generated\//,
    /^prisma\/[^/]+\/schema\.prisma$/,
    /^(src|test|scripts)\//,
    /^dist\/cli\.(cjs|d\.c?ts)$/,
  ];
  for (const file of files) {
    if (unwanted.some((pattern) => pattern.test(file))) problems.push(`the tarball ships ${file}`);
  }

  const packed = JSON.parse(run("tar", ["-xzOf", tarball, "package/package.json"], work));
  for (const key of ["scripts", "devDependencies", "allowScripts", "clean-package"]) {
    if (key in packed) problems.push(`the packed package.json still has "${key}"`);
  }
  for (const key of ["name", "version", "exports", "dependencies", "peerDependencies", "peerDependenciesMeta"]) {
    if (!isDeepStrictEqual(packed[key], pkg[key])) problems.push(`the packed package.json changed "${key}"`);
  }
  log(`tarball: ${files.size} files, package.json without our scripts and devDependencies`);
}

function lint(tarball) {
  run(bin(root, "publint"), ["run", tarball, "--strict"], root);
  log("publint: no errors or warnings");
  // attw checks every `exports` entry under node10, node16 (from CJS and from ESM) and bundler
  // resolution, and fails on any problem: none is accepted. (The `bin` is not an entry attw
  // resolves: it is run by node, never imported, and ships as ESM only on purpose.)
  run(bin(root, "attw"), [tarball, "--format", "table-flipped"], root);
  log("attw: no problems in any entry under any resolution");
}

// The consumer matrix: package type × TypeScript module/moduleResolution. `run: false` is
// type-checked only: tsc keeps ESM syntax for `module: esnext`, which a CommonJS package would
// hand to node as ESM after all (the ESM bundler consumer already runs that output).
const consumers = [
  { name: "esm-node16", type: "module", module: "node16", resolution: "node16", run: true },
  { name: "esm-nodenext", type: "module", module: "nodenext", resolution: "nodenext", run: true },
  { name: "esm-bundler", type: "module", module: "esnext", resolution: "bundler", run: true },
  { name: "cjs-node16", type: "commonjs", module: "node16", resolution: "node16", run: true },
  { name: "cjs-nodenext", type: "commonjs", module: "nodenext", resolution: "nodenext", run: true },
  { name: "cjs-bundler", type: "commonjs", module: "esnext", resolution: "bundler", run: false },
  // TypeScript's default for `module: commonjs` (many NestJS apps): no `exports` support, so
  // subpaths resolve through `typesVersions`.
  { name: "cjs-node10", type: "commonjs", module: "commonjs", resolution: "node10", run: true },
];

function expectedOutput(format) {
  return {
    format,
    reloaded: ["book"],
    deleted: 1,
    // The init migration, then the device-metadata one (two added columns).
    migration: ["CREATE TABLE", "CREATE INDEX", "CREATE INDEX", "ALTER TABLE", "ALTER TABLE"],
    ours: "pen,pen",
    classic: "2",
    sharedClasses: true,
    entries: ["function", "function"],
  };
}

function checkConsumer(consumer, tarball) {
  const dir = join(work, consumer.name);
  mkdirSync(dir);
  writeFileSync(
    join(dir, "package.json"),
    `${JSON.stringify({ name: consumer.name, private: true, type: consumer.type })}\n`,
  );
  const compilerOptions = {
    module: consumer.module,
    moduleResolution: consumer.resolution,
    target: "es2022",
    lib: ["es2022"],
    strict: true,
    skipLibCheck: false,
    esModuleInterop: true,
    noEmitOnError: true,
    outDir: "out",
  };
  writeFileSync(join(dir, "tsconfig.json"), `${JSON.stringify({ compilerOptions, files: ["index.ts"] }, null, 2)}\n`);
  copyFileSync(join(root, "examples", "package-consumer", "index.ts"), join(dir, "index.ts"));
  run("npm", [...npmInstall, tarball], dir);
  if (existsSync(join(dir, "node_modules", "prisma-sessions", "node_modules"))) {
    problems.push(`${consumer.name}: npm nested dependencies under prisma-sessions (a version conflict?)`);
  }
  // Type check and emit in one pass (noEmitOnError), against the shared TypeScript and @types.
  const tsc = join(work, "node_modules", "typescript", "bin", "tsc");
  run(process.execPath, [tsc, "-p", ".", ...(consumer.run ? [] : ["--noEmit"])], dir);
  const done = [`${consumer.name}: type-checks`];
  if (consumer.run) {
    const output = run(process.execPath, [join("out", "index.js")], dir).trim();
    const expected = expectedOutput(consumer.type === "module" ? "esm" : "cjs");
    let actual;
    try {
      actual = JSON.parse(output);
    } catch {
      actual = output;
    }
    if (!isDeepStrictEqual(actual, expected)) {
      problems.push(`${consumer.name}: printed ${output}, expected ${JSON.stringify(expected)}`);
    }
    done.push("runs");
  }
  const help = run(bin(dir, "prisma-sessions"), ["--help"], dir);
  if (!help.startsWith("Usage: prisma-sessions")) {
    problems.push(`${consumer.name}: prisma-sessions --help printed ${help}`);
  }
  log(`${done.join(", ")}, prisma-sessions --help answers`);
}

/**
 * An app that uses only the native Express middleware: no express-session and none of its types
 * installed anywhere above it, `skipLibCheck: false`. `prisma-sessions/express` must type-check
 * and run without them (the express-session store has a subpath of its own).
 */
function checkExpressOnly(tarball) {
  const dir = mkdtempSync(join(tmpdir(), "prisma-sessions-express-only-"));
  try {
    writeFileSync(
      join(dir, "package.json"),
      `${JSON.stringify({ name: "express-only", private: true, type: "module" })}\n`,
    );
    const compilerOptions = { module: "nodenext", target: "es2022", strict: true, skipLibCheck: false, outDir: "out" };
    writeFileSync(join(dir, "tsconfig.json"), `${JSON.stringify({ compilerOptions, files: ["index.ts"] }, null, 2)}\n`);
    copyFileSync(join(root, "examples", "express-only-consumer", "index.ts"), join(dir, "index.ts"));
    run("npm", [...npmInstall, tarball, "express@5", "@types/express@5", "typescript@5.9", "@types/node@20"], dir);
    if (existsSync(join(dir, "node_modules", "@types", "express-session"))) {
      problems.push("express-only: @types/express-session was installed, so the check proves nothing");
    }
    run(process.execPath, [join(dir, "node_modules", "typescript", "bin", "tsc"), "-p", "."], dir);
    const output = run(process.execPath, [join("out", "index.js")], dir).trim();
    if (output !== '{"views":2}') problems.push(`express-only: printed ${output}, expected {"views":2}`);
    else log("express-only: the native middleware type-checks (skipLibCheck: false) and runs without express-session");
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

try {
  log(`packing into ${work}`);
  const { pkg, tarball } = pack(work, problems);
  checkContents(pkg, tarball);
  lint(tarball);

  // What every consumer also needs, installed once in the folder above them (Node and TypeScript
  // look there too). Neither prisma-sessions nor date-fns is among them.
  writeFileSync(join(work, "package.json"), `${JSON.stringify({ name: "consumers", private: true })}\n`);
  run(
    "npm",
    [
      ...npmInstall,
      "typescript@5.9",
      "@types/node@20",
      "express@5",
      "@types/express@5",
      "express-session@1",
      "@types/express-session@1",
    ],
    work,
  );
  log("shared consumer dependencies installed");
  for (const consumer of consumers) checkConsumer(consumer, tarball);
  checkExpressOnly(tarball);
} catch (error) {
  problems.push(error instanceof Error ? error.message : String(error));
} finally {
  if (keep) log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

if (problems.length > 0) {
  for (const problem of problems) console.error(`check-package: ${problem}`);
  process.exit(1);
}
log(`the package packs, lints clean, installs and works in ${consumers.length} consumer projects`);
