// The docs' links must work on the npm page, where relative links break: every link is absolute,
// and one into this repository (<repository>/blob|tree|raw/main/<path>#anchor) names a file that
// exists and, for a Markdown file, a heading that exists.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { root } from "../lib/package-tools.mjs";

const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
export const repository = manifest.repository.url.replace(/^git\+/, "").replace(/\.git$/, "");

// Guides other branches add; the README links them ahead of their merge.
const pending = new Set(
  ["fastify", "hono", "fetch", "react-router", "large-tables"].map((name) => `docs/guides/${name}.md`),
);

/** GitHub's anchors for the headings of a Markdown file. */
function anchorsOf(file) {
  const anchors = new Set();
  const seen = new Map();
  let fence = false;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (/^\s*(```|~~~)/.test(line)) fence = !fence;
    const heading = !fence && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const slug = heading[1]
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** Problems with the links of `file` (absolute path), reported as `path`:line. */
export function checkLinks(file, path) {
  const problems = [];
  let fence = false;
  readFileSync(file, "utf8")
    .split("\n")
    .forEach((line, index) => {
      if (/^\s*(```|~~~)/.test(line)) fence = !fence;
      if (fence) return;
      for (const [, target] of line.replace(/`[^`]*`/g, "").matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
        const where = `${path}:${index + 1}`;
        if (target.startsWith("#")) {
          if (!anchorsOf(file).has(target.slice(1))) problems.push(`${where}: no heading for ${target}`);
          continue;
        }
        if (!/^[a-z]+:/.test(target)) {
          problems.push(`${where}: relative link ${target} (it breaks on the npm page: use ${repository}/blob/main/…)`);
          continue;
        }
        const inRepo =
          target.startsWith(`${repository}/`) &&
          /^\/(blob|tree|raw)\/main\/([^#]*)(?:#(.*))?$/.exec(target.slice(repository.length));
        if (!inRepo) continue;
        const [, , linked, anchor] = inRepo;
        if (pending.has(linked)) continue;
        if (!existsSync(join(root, linked))) problems.push(`${where}: ${linked} does not exist`);
        else if (anchor && linked.endsWith(".md") && !anchorsOf(join(root, linked)).has(anchor)) {
          problems.push(`${where}: ${linked} has no heading for #${anchor}`);
        }
      }
    });
  return problems;
}
