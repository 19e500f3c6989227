// Reads the fenced code blocks of a Markdown file and what the checker needs to know about each:
// its language, where it starts, the file it stands for, which consumer project compiles it, and
// the `<!-- snippet: … -->` annotation on the line before its fence (blank lines allowed between).
//
//   <!-- snippet: file=app/page.tsx -->       the file the block is (else its first-line comment,
//                                             `// lib/sessions.ts`, else snippet-L<line>.ts)
//   <!-- snippet: prelude=manager -->         scripts/snippets/preludes/manager.ts goes before it
//   <!-- snippet: project=nest -->            node (ESM), nest (CommonJS) or next (bundler)
//   <!-- snippet: run -->                     also run it with node: it must exit 0
//   <!-- snippet: generator=nest -->          (a prisma block) the generator of that app's client
//   <!-- snippet: skip — why -->              not checked; the reason is required
import { readFileSync } from "node:fs";

const compiled = new Set(["ts", "typescript", "tsx", "js", "javascript", "mjs", "jsx"]);
const shell = new Set(["sh", "bash", "shell", "console", "text"]);
const keys = new Set(["file", "prelude", "project", "run", "generator"]);
const projects = new Set(["node", "nest", "next"]);

/** What the checker does with a block of this language: "compile", "commands", "json" or "none". */
export function kindOf(lang) {
  if (compiled.has(lang)) return "compile";
  if (shell.has(lang)) return "commands";
  if (lang === "json") return "json";
  return "none";
}

/** Parses the text of a `<!-- snippet: … -->` comment; returns { annotation } or { error }. */
export function parseAnnotation(text) {
  const skip = /^skip\b\s*(?:[—–:=-]\s*)?(.*)$/.exec(text);
  if (skip) {
    const reason = (skip[1] ?? "").trim();
    return reason ? { annotation: { skip: reason } } : { error: "a skipped snippet needs a reason (skip — why)" };
  }
  const annotation = {};
  for (const token of text.split(/\s+/).filter(Boolean)) {
    const [key, value] = token.split("=", 2);
    if (!keys.has(key)) return { error: `unknown snippet annotation "${key}"` };
    if (key === "run") annotation.run = true;
    else if (!value) return { error: `snippet annotation "${key}" needs a value` };
    else if (key === "prelude") annotation.preludes = value.split(",");
    else if ((key === "project" || key === "generator") && !projects.has(value))
      return { error: `unknown app "${value}"` };
    else annotation[key] = value;
  }
  return { annotation };
}

/** The package names a block imports (`express`, `@nestjs/common`, `prisma-sessions`). */
export function importedPackages(code) {
  const names = new Set();
  for (const match of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"'./][^"']*)["']/g)) {
    const specifier = match[1];
    if (specifier.startsWith("node:") || specifier.startsWith("@/")) continue;
    const parts = specifier.split("/");
    names.add(specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]);
  }
  return [...names];
}

/** The consumer project that compiles a block: Nest apps are CommonJS, Next apps bundled. */
function projectOf(code, lang, file) {
  if (/["'](@nestjs\/[^"']+|prisma-sessions\/nestjs)["']/.test(code)) return "nest";
  if (lang === "tsx" || lang === "jsx" || /^(app|pages)\//.test(file)) return "next";
  if (/["'](next|next\/[^"']+|prisma-sessions\/next|react|@\/[^"']+)["']/.test(code)) return "next";
  return "node";
}

const fileComment = /^\/\/\s*([\w@.[\]()-]+(?:\/[\w@.[\]()-]+)*\.(?:tsx?|jsx?|mjs))\b/;

/** Every fenced block of `markdownFile`, with `path` (as reported) and the 1-based line of its fence. */
export function extractSnippets(markdownFile, path = markdownFile) {
  const lines = readFileSync(markdownFile, "utf8").split("\n");
  const snippets = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, lang] = open;
    const start = i;
    const body = [];
    for (i++; i < lines.length && !(lines[i].startsWith(indent + fence) && lines[i].trim() === fence); i++) {
      body.push(lines[i].startsWith(indent) ? lines[i].slice(indent.length) : lines[i]);
    }
    let previous = start - 1;
    while (previous >= 0 && lines[previous].trim() === "") previous--;
    const comment = previous >= 0 ? /^\s*<!--\s*snippet:\s*(.*?)\s*-->\s*$/.exec(lines[previous]) : null;
    const { annotation = {}, error } = comment ? parseAnnotation(comment[1]) : {};
    const code = body.join("\n");
    const kind = kindOf(lang.toLowerCase());
    const snippet = { path, line: start + 1, lang: lang.toLowerCase(), kind, code, annotation, error };
    if (kind === "compile") {
      const extension = lang === "tsx" || lang === "jsx" ? "tsx" : "ts";
      snippet.file = annotation.file ?? fileComment.exec(body[0] ?? "")?.[1] ?? `snippet-L${start + 1}.${extension}`;
      snippet.project = annotation.project ?? projectOf(code, snippet.lang, snippet.file);
      snippet.packages = importedPackages(code);
    }
    snippets.push(snippet);
  }
  return snippets;
}
