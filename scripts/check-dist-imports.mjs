// Checks package.json's dependencies and peerDependencies against what the built package really
// imports. Every bare specifier in dist/ (code and declarations, static and lazy, comments
// ignored) is collected with TypeScript's parser, and this fails when:
// - an imported package is neither a dependency nor a peer (users would not get it installed);
// - a dependency or a peer is never imported (a promise the code does not keep);
// - a declaration file imports a package that ships no types, and its @types package is not declared;
// - a peer's `optional` flag is wrong: a peer loaded when the main entry or the `bin` starts
//   (statically, following relative imports) must be required, every other peer optional.
// Node's built-in modules need nothing. Run after `npm run build`.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
function packageName(specifier) {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** `@scope/name` → `@types/scope__name`, `name` → `@types/name`. */
function typesPackage(name) {
  return `@types/${name.startsWith("@") ? name.slice(1).replace("/", "__") : name}`;
}

const isDeclaration = (file) => /\.d\.[cm]?ts$/.test(file);
const FUNCTION_KINDS = new Set([
  ts.SyntaxKind.FunctionDeclaration,
  ts.SyntaxKind.FunctionExpression,
  ts.SyntaxKind.ArrowFunction,
  ts.SyntaxKind.MethodDeclaration,
  ts.SyntaxKind.Constructor,
  ts.SyntaxKind.GetAccessor,
  ts.SyntaxKind.SetAccessor,
]);
// `require`, esbuild's `__require`, and `require2` (esbuild's name for a createRequire() result).
const REQUIRE = /^(__)?require\d*$/;

/** Every module specifier of a file, with whether it loads when the file loads (`static`). */
function specifiersOf(file) {
  const text = readFileSync(file, "utf8");
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found = source.typeReferenceDirectives.map((ref) => ({ specifier: ref.fileName, static: true }));
  const visit = (node, inFunction) => {
    let specifier;
    let lazy = inFunction;
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      specifier = node.moduleSpecifier;
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      specifier = node.moduleReference.expression;
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      specifier = node.argument.literal;
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const dynamicImport = callee.kind === ts.SyntaxKind.ImportKeyword;
      if (dynamicImport || (ts.isIdentifier(callee) && REQUIRE.test(callee.text))) {
        specifier = node.arguments[0];
        lazy ||= dynamicImport;
        if (specifier && !ts.isStringLiteralLike(specifier)) {
          throw new Error(`${relative(root, file)}: a module loaded by a computed name cannot be checked`);
        }
      }
    }
    if (specifier && ts.isStringLiteralLike(specifier)) found.push({ specifier: specifier.text, static: !lazy });
    ts.forEachChild(node, (child) => visit(child, inFunction || FUNCTION_KINDS.has(node.kind)));
  };
  visit(source, false);
  return found;
}

/** The dist/ file a relative specifier names; declarations name their `.js`/`.cjs` twin. */
function resolveRelative(from, specifier) {
  const target = join(dirname(from), specifier);
  if (!isDeclaration(from)) return target;
  const base = target.replace(/\.[cm]?js$/, "");
  const candidates = from.endsWith(".d.cts") ? [".d.cts", ".d.ts"] : [".d.ts", ".d.mts"];
  return candidates.map((extension) => base + extension).find((file) => existsSync(file)) ?? target;
}

const files = readdirSync(dist)
  .filter((name) => /\.(c|m)?js$|\.d\.[cm]?ts$/.test(name))
  .map((name) => join(dist, name));
/** file → its specifiers; package name → where it is imported. */
const imports = new Map(files.map((file) => [file, specifiersOf(file)]));
const uses = new Map();
for (const [file, specifiers] of imports) {
  for (const { specifier } of specifiers) {
    if (specifier.startsWith(".") || isBuiltin(specifier)) continue;
    const name = packageName(specifier);
    if (!uses.has(name)) uses.set(name, { code: new Set(), types: new Set() });
    uses.get(name)[isDeclaration(file) ? "types" : "code"].add(relative(root, file));
  }
}

/** Packages a set of files loads at once, following static relative imports. */
function loadedAtStart(entries) {
  const seen = new Set();
  const packages = new Set();
  const stack = [...entries];
  while (stack.length > 0) {
    const file = stack.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    for (const { specifier, static: isStatic } of imports.get(file) ?? []) {
      if (!isStatic || isBuiltin(specifier)) continue;
      if (specifier.startsWith(".")) stack.push(resolveRelative(file, specifier));
      else packages.add(packageName(specifier));
    }
  }
  return packages;
}

/** Every file path in an `exports` entry (condition objects nest). */
function targets(entry) {
  if (typeof entry === "string") return [join(root, entry)];
  return Object.values(entry ?? {}).flatMap(targets);
}

const errors = [];
const dependencies = new Set(Object.keys(pkg.dependencies ?? {}));
const peers = new Set(Object.keys(pkg.peerDependencies ?? {}));
const declared = new Set([...dependencies, ...peers]);

// Packages whose declarations users' TypeScript reads: each needs its own types or a declared @types.
const typesNeeded = new Map();
for (const [name, { types }] of uses) {
  if (types.size === 0 || name === pkg.name) continue;
  const manifestFile = join(root, "node_modules", name, "package.json");
  if (!existsSync(manifestFile)) {
    errors.push(`${name} (imported by ${[...types].join(", ")}) is not installed: cannot tell whether it has types`);
    continue;
  }
  const manifest = JSON.parse(readFileSync(manifestFile, "utf8"));
  const ownTypes =
    manifest.types ||
    manifest.typings ||
    JSON.stringify(manifest.exports ?? {}).includes('"types"') ||
    existsSync(join(root, "node_modules", name, "index.d.ts"));
  if (!ownTypes) typesNeeded.set(typesPackage(name), name);
}

for (const [name, { code, types }] of uses) {
  if (name === pkg.name) continue; // a self-reference resolves through our own `exports`
  if (!declared.has(name)) {
    errors.push(`${name} is imported by ${[...code, ...types].join(", ")} but is neither a dependency nor a peer`);
  }
}
for (const [types, name] of typesNeeded) {
  if (!declared.has(types)) errors.push(`the declarations import ${name}, which has no types: declare ${types}`);
}
for (const name of declared) {
  if (!uses.has(name) && !typesNeeded.has(name)) {
    const kind = dependencies.has(name) ? "dependency" : "peer";
    errors.push(`${name} is a ${kind} but nothing in dist/ imports it`);
  }
}

// Optional flags: what the main entry's code and types, and the command, load at start is required.
const startEntries = [...targets(pkg.exports?.["."]), ...targets(pkg.bin)];
const atStart = loadedAtStart(startEntries);
for (const [types, name] of typesNeeded) if (atStart.has(name)) atStart.add(types);
for (const name of peers) {
  const optional = pkg.peerDependenciesMeta?.[name]?.optional === true;
  if (atStart.has(name) && optional) {
    errors.push(`peer ${name} is loaded by the main entry or the bin at start: it cannot be optional`);
  } else if (!atStart.has(name) && !optional) {
    errors.push(`peer ${name} is loaded only by a subpath or lazily: mark it optional in peerDependenciesMeta`);
  }
}
for (const name of Object.keys(pkg.peerDependenciesMeta ?? {})) {
  if (!peers.has(name)) errors.push(`peerDependenciesMeta lists ${name}, which is not a peer`);
}

for (const [name, { code, types }] of [...uses].sort(([a], [b]) => a.localeCompare(b))) {
  const where = [...code, ...types].map((file) => relative("dist", file)).sort();
  const role = dependencies.has(name) ? "dependency" : peers.has(name) ? "peer" : name === pkg.name ? "self" : "?";
  console.log(`${name.padEnd(32)} ${role.padEnd(10)} ${where.join(" ")}`);
}
if (errors.length > 0) {
  for (const error of errors) console.error(`check-dist-imports: ${error}`);
  process.exit(1);
}
console.log("dist imports: every package is declared, every dependency and peer is used, optional flags match");
