// The throwaway consumer project the snippet checker compiles in: which packages to install (at
// the versions this repository develops against), the generated Prisma clients, and one
// TypeScript project per kind of app (see fixture/README.md).
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { npmInstall, root, run } from "../lib/package-tools.mjs";

export const fixture = join(dirname(fileURLToPath(import.meta.url)), "fixture");
const rootManifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

// Packages the guides import that this repository does not develop against, pinned.
const extraVersions = { "@nestjs/schedule": "12.0.2" };

// What a consumer installs along with a package the blocks import (its peers and what the
// package's own types import).
const companions = {
  "@nestjs/common": ["@nestjs/core", "@nestjs/platform-express", "reflect-metadata", "rxjs"],
  "@nestjs/schedule": ["@nestjs/common"],
  next: ["react", "react-dom"],
  "@nestjs/platform-fastify": ["fastify"],
  "prisma-sessions/express": ["express"],
  "prisma-sessions/express-session": ["express", "express-session"],
  "prisma-sessions/fastify": ["fastify", "fastify-plugin"],
  "prisma-sessions/hono": ["hono"],
  "prisma-sessions/react-router": ["react-router"],
  "prisma-sessions/nestjs": ["@nestjs/common"],
  "prisma-sessions/next": ["next"],
};
// Every project has these: TypeScript, Node's types, the Prisma runtime and the fixture's SQLite.
const always = ["typescript", "@types/node", "@prisma/client", "@prisma/adapter-better-sqlite3", "better-sqlite3"];

/** The version of `name` installed at the repository's root by `npm ci` (so pinned to the lock file). */
function versionOf(name) {
  const manifest = join(root, "node_modules", name, "package.json");
  if (existsSync(manifest)) return JSON.parse(readFileSync(manifest, "utf8")).version;
  if (extraVersions[name]) return extraVersions[name];
  throw new Error(
    `a snippet imports ${name}, which is neither a devDependency nor pinned in scripts/snippets/consumer.mjs`,
  );
}

/** `name@version` for every package the snippets need, with their companions and @types. */
export function packagesFor(snippets) {
  const wanted = new Set(always);
  const add = (name) => {
    if (name === "prisma-sessions" || wanted.has(name)) return;
    wanted.add(name);
    for (const companion of companions[name] ?? []) add(companion);
  };
  for (const snippet of snippets) {
    for (const name of snippet.packages) add(name);
    for (const match of snippet.code.matchAll(/["'](prisma-sessions\/\w+)["']/g)) {
      for (const companion of companions[match[1]] ?? []) add(companion);
    }
  }
  for (const name of [...wanted]) {
    const types = `@types/${name.replace(/^@/, "").replace("/", "__")}`;
    if (rootManifest.devDependencies[types]) wanted.add(types);
  }
  return [...wanted].sort().map((name) => `${name}@${versionOf(name)}`);
}

/**
 * Installs the tarball and the packages into `work`. Install scripts are skipped: the only one a
 * consumer needs is better-sqlite3's native build (a minute of node-gyp on a machine without
 * prebuilt binaries), and the repository's `npm ci` has already built that very version.
 */
export function install(work, tarball, packages) {
  writeFileSync(join(work, "package.json"), `${JSON.stringify({ name: "snippets", private: true, type: "module" })}\n`);
  run("npm", [...npmInstall, "--ignore-scripts", tarball, ...packages], work);
  const build = join("better-sqlite3", "build", "Release");
  mkdirSync(join(work, "node_modules", build), { recursive: true });
  copyFileSync(
    join(root, "node_modules", build, "better_sqlite3.node"),
    join(work, "node_modules", build, "better_sqlite3.node"),
  );
}

/**
 * Generates each app's client from the reference Session model and fixture/models.prisma, with
 * the repository's Prisma CLI (its version is the one installed above). An app whose guide shows
 * a generator block marked `<!-- snippet: generator=<app> -->` (the NestJS guide's CommonJS one)
 * gets exactly that block, its output aside; the others an ESM client.
 */
export function generateClients(work, shown = {}) {
  const generator = (name) => {
    const output = `  output = "${relative(work, projectDir(work, name))}/_client"`;
    const block = shown[name] ?? 'generator client {\n  provider = "prisma-client"\n  importFileExtension = "js"\n}';
    const body = block.replace(/^\s*generator\s+\w+/, `generator ${name}`).replace(/^\s*output\s*=.*$/m, "");
    return `${body.replace(/\{/, `{\n${output}`)}\n`;
  };
  const schema = [
    'datasource db {\n  provider = "sqlite"\n}\n',
    ...Object.keys(projects).map(generator),
    readFileSync(join(root, "prisma", "schema.reference.prisma"), "utf8"),
    readFileSync(join(fixture, "models.prisma"), "utf8"),
  ].join("\n");
  writeFileSync(join(work, "schema.prisma"), schema);
  const require = createRequire(join(root, "package.json"));
  const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: "1" };
  // As in scripts/generate.mjs: `prisma generate` never runs the schema engine, but the CLI wants
  // one to exist; any file does where none could be downloaded.
  const engines = dirname(require.resolve("@prisma/engines/package.json"));
  if (!readdirSync(engines).some((name) => name.startsWith("schema-engine")) && !env.PRISMA_SCHEMA_ENGINE_BINARY) {
    env.PRISMA_SCHEMA_ENGINE_BINARY = fileURLToPath(import.meta.url);
  }
  const cli = join(dirname(require.resolve("prisma/package.json")), "build", "index.js");
  run(process.execPath, [cli, "generate", "--schema", "schema.prisma"], work, env);
}

const common = { target: "es2022", strict: true, skipLibCheck: false, esModuleInterop: true, types: ["node"] };

// Two TypeScript programs, one tsc run each. `server` holds the ESM Node app and, in a folder whose
// package.json says CommonJS, the Nest app (nodenext gives each folder its own module format).
const programs = {
  server: {
    module: "nodenext",
    moduleResolution: "nodenext",
    lib: ["es2023"],
    outDir: "out",
    rootDir: ".",
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
  },
  // As create-next-app sets it up. Next's own declarations need newer lib types than TypeScript
  // 5.9 has (URLPattern), so, as in those apps, library declarations are not checked here.
  // As React Router's templates set it up (bundler resolution, the DOM lib its declarations need),
  // with library declarations checked.
  web: {
    module: "esnext",
    moduleResolution: "bundler",
    lib: ["dom", "dom.iterable", "es2023"],
    noEmit: true,
  },
  next: {
    skipLibCheck: true,
    module: "esnext",
    moduleResolution: "bundler",
    lib: ["dom", "dom.iterable", "esnext"],
    jsx: "preserve",
    noEmit: true,
  },
};
const projects = {
  node: { program: "server", type: "module" },
  nest: { program: "server", type: "commonjs" },
  next: { program: "next", type: "module" },
  web: { program: "web", type: "module", fixture: "node" },
};

/** The folder of TypeScript program `program`, and where `project`'s files go in it. */
export function programDir(work, program) {
  return join(work, program);
}
export function projectDir(work, project) {
  return join(work, projects[project].program, project);
}

/** Writes project `name` with a folder per Markdown file (`folders`), each holding the fixture. */
export function writeProject(work, name, folders) {
  const { program, type } = projects[name];
  const top = programDir(work, program);
  if (!existsSync(join(top, "tsconfig.json"))) {
    mkdirSync(top, { recursive: true });
    writeFileSync(join(top, "package.json"), `${JSON.stringify({ private: true, type: "module" })}\n`);
    const tsconfig = {
      compilerOptions: { ...common, ...programs[program] },
      include: ["**/*.ts", "**/*.tsx"],
      exclude: ["out"],
    };
    writeFileSync(join(top, "tsconfig.json"), `${JSON.stringify(tsconfig, null, 2)}\n`);
    if (program === "next") {
      writeFileSync(
        join(top, "next-env.d.ts"),
        '/// <reference types="next" />\n/// <reference types="next/image-types/global" />\n',
      );
    }
  }
  const dir = projectDir(work, name);
  // The folder's module format, for tsc and, in the emitted copy, for node.
  for (const at of [dir, join(top, "out", name)]) {
    mkdirSync(at, { recursive: true });
    writeFileSync(join(at, "package.json"), `${JSON.stringify({ private: true, type })}\n`);
  }
  const from = join(fixture, projects[name].fixture ?? name);
  for (const folder of folders) cpSync(from, join(dir, folder), { recursive: true });
  return dir;
}
