// Checks every code block of README.md and docs/**/*.md against the package as users get it:
// packs the tarball, installs it with the frameworks the blocks import into one throwaway consumer
// project, writes each TypeScript/JavaScript block there as a file of its own and compiles them
// all (`strict`, `skipLibCheck: false`): three tsc runs, one per kind of app (ESM Node, CommonJS
// NestJS, Next.js; see scripts/snippets/fixture/README.md). Blocks marked `<!-- snippet: run -->`
// then run with node against SQLite and must exit 0. Shell blocks: every `npm run X` must be a
// script and every `npx prisma-sessions <command> --flag` a command and flag the CLI has. JSON
// blocks must parse. Links must be absolute and, into this repository, reach a file and heading
// that exist (scripts/snippets/links.mjs). Annotations are described in scripts/snippets/extract.mjs.
//
// Fails (exit 1) naming file:line for every block that does not compile, run or check.
// Usage: node scripts/check-snippets.mjs [--keep] [--tarball <file>] [markdown files…]
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { bin, createLog, pack, root } from "./lib/package-tools.mjs";
import { fixture, generateClients, install, packagesFor, programDir, writeProject } from "./snippets/consumer.mjs";
import { extractSnippets } from "./snippets/extract.mjs";
import { checkLinks } from "./snippets/links.mjs";

const args = process.argv.slice(2);
const keep = args.includes("--keep");
const tarballArg = args.includes("--tarball") ? args[args.indexOf("--tarball") + 1] : undefined;
const fileArgs = args.filter((arg, i) => !arg.startsWith("--") && args[i - 1] !== "--tarball");
const log = createLog();
const problems = [];
const preludes = join(dirname(fixture), "preludes");
const scripts = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).scripts;

function markdownFiles() {
  if (fileArgs.length > 0) return fileArgs;
  const walk = (dir) =>
    readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? walk(join(dir, entry.name)) : entry.name.endsWith(".md") ? [join(dir, entry.name)] : [],
    );
  return ["README.md", ...walk("docs").sort()];
}

/** Writes each compiled block into its project; returns a map from written file to block. */
function writeSnippets(work, snippets) {
  const folderOf = (snippet) => snippet.path.replace(/\.md$/, "").replace(/[/\\]/g, "-");
  const byProject = new Map();
  for (const snippet of snippets) byProject.set(snippet.project, [...(byProject.get(snippet.project) ?? []), snippet]);
  const written = new Map();
  for (const [project, blocks] of byProject) {
    const dir = writeProject(work, project, [...new Set(blocks.map(folderOf))]);
    const claimed = new Map();
    for (const snippet of blocks) {
      const file = join(dir, folderOf(snippet), snippet.file);
      if (claimed.has(file)) {
        problems.push(`${snippet.path}:${snippet.line}: ${snippet.file} is also ${claimed.get(file)}: name one file=`);
        continue;
      }
      claimed.set(file, `${snippet.path}:${snippet.line}`);
      const prelude = (snippet.annotation.preludes ?? []).map((name) =>
        readFileSync(join(preludes, `${name}.ts`), "utf8"),
      );
      snippet.preludeLines = prelude.join("").split("\n").length - 1;
      // `@/` is the Next.js alias of the app's root: here, the Markdown file's folder.
      const code = snippet.code.replace(/(["'])@\/([^"']+)\1/g, (_, quote, rest) => {
        const target = relative(dirname(file), join(dir, folderOf(snippet), rest));
        return `${quote}${target.startsWith(".") ? target : `./${target}`}${quote}`;
      });
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `${prelude.join("")}${code}\n`);
      written.set(file, snippet);
      snippet.written = file;
    }
  }
  return written;
}

/** Runs tsc on each program; returns the problems it reports, as file:line of the Markdown. */
function compile(work, written) {
  const reports = [];
  const tsc = join(work, "node_modules", "typescript", "bin", "tsc");
  for (const program of ["server", "next"]) {
    const dir = programDir(work, program);
    if (!existsSync(join(dir, "tsconfig.json"))) continue; // no block of this program
    const started = performance.now();
    const result = spawnSync(process.execPath, [tsc, "-p", ".", "--pretty", "false"], { cwd: dir, encoding: "utf8" });
    const lines = result.stdout.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const match = /^(.+?)\((\d+),(\d+)\): error (TS\d+): (.*)$/.exec(lines[i]);
      if (!match) continue;
      let message = match[5];
      while (lines[i + 1]?.startsWith("  ")) message += `\n    ${lines[++i].trim()}`;
      const snippet = written.get(join(dir, match[1]));
      if (!snippet) {
        reports.push({
          where: `${program}/${match[1]}:${match[2]} (the checker's fixture)`,
          message: `${match[4]}: ${message}`,
        });
        continue;
      }
      snippet.failed = true;
      const line = Number(match[2]) - snippet.preludeLines;
      const where =
        line >= 1 ? `${snippet.path}:${snippet.line + line}` : `${snippet.path}:${snippet.line} (its prelude)`;
      reports.push({ where, message: `${match[4]}: ${message}`, snippet });
    }
    if (result.status !== 0 && !lines.some((line) => / error TS\d+/.test(line))) {
      reports.push({ where: program, message: `tsc failed: ${result.stdout}${result.stderr}` });
    }
    const blocks = [...written.values()].filter((s) => s.written.startsWith(dir)).length;
    log(`${program}: tsc over ${blocks} blocks, ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  return reports;
}

/** Runs the blocks marked `run`, each in a folder of its own with a fresh SQLite file. */
function runSnippets(work, snippets) {
  for (const snippet of snippets.filter((s) => s.annotation.run && !s.failed)) {
    const where = `${snippet.path}:${snippet.line}`;
    if (snippet.project === "next") {
      problems.push(`${where}: run is not supported for Next.js blocks (they are compiled only)`);
      continue;
    }
    const program = programDir(work, "server");
    const output = join(program, "out", relative(program, snippet.written).replace(/\.tsx?$/, ".js"));
    const cwd = mkdtempSync(join(work, "run-"));
    const result = spawnSync(process.execPath, [output], {
      cwd,
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, DATABASE_URL: `file:${join(cwd, "snippets.db")}`, NODE_ENV: "production" },
    });
    if (result.status !== 0) {
      problems.push(`${where}: exited ${result.status ?? result.signal} when run\n${result.stdout}${result.stderr}`);
    } else log(`${where}: ran, exit 0`);
  }
}

/** Shell blocks: `npm run X` is a script; `npx prisma-sessions <command> --flag` exists. */
function checkCommands(work, snippet) {
  const helpOf = new Map();
  const help = (command) => {
    if (!helpOf.has(command)) {
      const result = spawnSync(bin(work, "prisma-sessions"), [command, "--help"], { cwd: work, encoding: "utf8" });
      helpOf.set(command, result.status === 0 ? result.stdout + result.stderr : null);
    }
    return helpOf.get(command);
  };
  snippet.code.split("\n").forEach((text, index) => {
    const where = `${snippet.path}:${snippet.line + 1 + index}`;
    const line = text.replace(/^\$\s+/, "").replace(/(^|\s)#.*$/, "");
    for (const segment of line.split(/&&|\|\||;|\|/)) {
      const words = segment.trim().split(/\s+/);
      const at = (i) => words[i] ?? "";
      const start = words.findIndex(
        (word, i) => (word === "npm" && at(i + 1) === "run") || word === "npx" || word === "npm",
      );
      if (start < 0) continue;
      if (at(start) === "npm" && at(start + 1) === "run" && !scripts[at(start + 2)]) {
        problems.push(`${where}: npm run ${at(start + 2)}: package.json has no such script`);
      } else if (at(start) === "npm" && ["test", "start"].includes(at(start + 1)) && !scripts[at(start + 1)]) {
        problems.push(`${where}: npm ${at(start + 1)}: package.json has no such script`);
      } else if (at(start) === "npx" && at(start + 1) === "prisma-sessions") {
        const command = at(start + 2);
        const text = help(command);
        if (text === null) problems.push(`${where}: npx prisma-sessions ${command}: no such command`);
        for (const flag of words.slice(start + 3).filter((word) => word.startsWith("--"))) {
          if (text !== null && !text.includes(flag.split("=")[0])) {
            problems.push(`${where}: npx prisma-sessions ${command}: no ${flag.split("=")[0]} flag in its --help`);
          }
        }
      }
    }
  });
}

const started = performance.now();
const work = mkdtempSync(join(tmpdir(), "prisma-sessions-snippets-"));
const counts = { compiled: 0, ran: 0, commands: 0, json: 0, generators: 0 };
const unchecked = new Map(); // language ("" for none) → how many blocks of it nothing checks
const skipped = [];
try {
  const all = markdownFiles().flatMap((file) => extractSnippets(resolve(root, file), file));
  for (const file of markdownFiles()) problems.push(...checkLinks(resolve(root, file), file));
  const canary = extractSnippets(join(fixture, "canary.md"), "scripts/snippets/fixture/canary.md");
  for (const snippet of all.filter((s) => s.error)) problems.push(`${snippet.path}:${snippet.line}: ${snippet.error}`);
  const checked = all.filter((s) => !s.error && !s.annotation.skip);
  for (const snippet of all.filter((s) => s.annotation.skip))
    skipped.push(`${snippet.path}:${snippet.line} (${snippet.annotation.skip})`);
  const compiled = checked.filter((s) => s.kind === "compile");
  for (const { lang } of checked.filter((s) => s.kind === "none" && !s.annotation.generator))
    unchecked.set(lang, (unchecked.get(lang) ?? 0) + 1);

  const tarball = tarballArg ?? pack(work, problems).tarball;
  log(`tarball ${tarballArg ? "given" : "packed"}; ${compiled.length} blocks to compile`);
  const packages = packagesFor([...compiled, ...canary]);
  install(work, tarball, packages);
  log(`installed the tarball and ${packages.length} packages`);
  const generators = checked.filter((s) => s.lang === "prisma" && s.annotation.generator);
  generateClients(work, Object.fromEntries(generators.map((s) => [s.annotation.generator, s.code])));
  counts.generators = generators.length;
  log("generated the Prisma clients (ESM, CommonJS)");

  const written = writeSnippets(work, [...compiled, ...canary]);
  const reports = compile(work, written);
  const caught = reports.filter((report) => report.snippet && canary.includes(report.snippet));
  if (caught.length === 0)
    problems.push("the canary block (scripts/snippets/fixture/canary.md) compiled: the checker sees no errors");
  else log(`canary: caught as expected (${caught[0].where})`);
  for (const report of reports.filter((r) => !caught.includes(r))) problems.push(`${report.where}: ${report.message}`);
  counts.compiled = compiled.length;

  runSnippets(work, compiled);
  counts.ran = compiled.filter((s) => s.annotation.run && !s.failed).length;
  for (const snippet of checked.filter((s) => s.kind === "commands")) checkCommands(work, snippet);
  counts.commands = checked.filter((s) => s.kind === "commands").length;
  for (const snippet of checked.filter((s) => s.kind === "json")) {
    try {
      JSON.parse(snippet.code.replace(/^\s*\/\/.*$/gm, ""));
    } catch (error) {
      problems.push(`${snippet.path}:${snippet.line}: JSON does not parse: ${error.message}`);
    }
  }
  counts.json = checked.filter((s) => s.kind === "json").length;
} catch (error) {
  problems.push(error instanceof Error ? error.message : String(error));
} finally {
  if (keep) log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

const seconds = ((performance.now() - started) / 1000).toFixed(0);
console.log(
  `snippets: ${counts.compiled} compiled, ${counts.ran} run, ${counts.commands} shell blocks and ${counts.json} JSON blocks checked, ` +
    `${counts.generators} Prisma generator blocks generated with, ` +
    `${skipped.length} skipped; not checked: ${[...unchecked].map(([lang, n]) => `${n} ${lang || "without a language"}`).join(", ") || "none"}; ${seconds} s`,
);
for (const skip of skipped) console.log(`  skipped ${skip}`);
if (problems.length > 0) {
  for (const problem of problems) console.error(`check-snippets: ${problem}`);
  process.exit(1);
}
