// Summarizes a V8 CPU profile (`node --cpu-prof`): self time by function and by package, and the
// inclusive time of the functions that match `--focus`. Not part of `npm run bench`:
//   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx scripts/bench/collapse.ts
//   npx tsx scripts/bench/profile-summary.ts /tmp/prof/CPU.….cpuprofile [--top 25] [--focus name,name]
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: "string", default: "25" }, focus: { type: "string", default: "" } },
});
const file = positionals[0];
if (file === undefined) throw new Error("usage: profile-summary.ts FILE.cpuprofile [--top N] [--focus a,b]");
const profile: Profile = JSON.parse(readFileSync(file, "utf8"));
const top = Number(values.top);

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

const self = new Map<number, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  self.set(id, (self.get(id) ?? 0) + dt);
  total += dt;
});

/** Where a script lives, shortened to its package (or the project's folder). */
function packageOf(url: string): string {
  if (url === "") return "(native / V8)";
  const modules = url.lastIndexOf("node_modules/");
  if (modules >= 0) {
    const rest = url.slice(modules + "node_modules/".length).split("/");
    return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  if (url.startsWith("node:")) return "node internals";
  const match = /\/(src|scripts|prisma)\/(.*)$/.exec(url);
  return match ? `${match[1]}/${match[2]?.split("/")[0]}` : url;
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where =
    url === ""
      ? ""
      : ` ${url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*\/(src|scripts)\//, "$1/")}:${lineNumber + 1}`;
  return `${functionName || "(anonymous)"}${where}`;
}

const ms = (us: number) => (us / 1000).toFixed(0);
const pct = (us: number) => `${((100 * us) / total).toFixed(1)}%`;

function printTop(title: string, entries: Map<string, number>): void {
  console.log(`\n${title}`);
  for (const [name, us] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${pct(us).padStart(7)} ${ms(us).padStart(7)} ms  ${name}`);
  }
}

const byFunction = new Map<string, number>();
const byPackage = new Map<string, number>();
for (const [id, us] of self) {
  const node = byId.get(id);
  if (node === undefined) continue;
  const name = label(node);
  byFunction.set(name, (byFunction.get(name) ?? 0) + us);
  const pkg = packageOf(node.callFrame.url);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
}
console.log(`profile: ${ms(total)} ms sampled`);
printTop("self time by package", byPackage);
printTop("self time by function", byFunction);

// Inclusive time of focused functions: a sample counts once for each focused frame on its stack.
const focus = values.focus.split(",").filter((name) => name !== "");
if (focus.length > 0) {
  const inclusive = new Map<string, number>();
  for (const [id, us] of self) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const node = byId.get(at);
      if (node === undefined) break;
      const name = focus.find((f) => node.callFrame.functionName === f || label(node).includes(f));
      if (name !== undefined && !seen.has(name)) {
        seen.add(name);
        inclusive.set(name, (inclusive.get(name) ?? 0) + us);
      }
    }
  }
  printTop("inclusive time of focused frames", inclusive);
}
