// The fetch core and the integrations built on it run where only web APIs exist: bundled for a
// neutral platform (esbuild knows no Node built-ins there, so a `node:` import anywhere on the
// path fails the build), with the export conditions worker bundlers use (Wrangler's `workerd`,
// `worker`, `browser`: they pick nanoid's Web Crypto build), they import nothing at all.
import { describe, expect, it } from "@jest/globals";
import { build } from "esbuild";

async function bundle(entry: string): Promise<{ imports: string[]; inputs: string[]; text: string }> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: "neutral",
    format: "esm",
    mainFields: ["module", "main"],
    conditions: ["workerd", "worker", "browser"],
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const [output] = Object.values(result.metafile.outputs);
  return {
    imports: (output?.imports ?? []).map((entry) => entry.path),
    inputs: Object.keys(result.metafile.inputs),
    text: result.outputFiles.map((file) => file.text).join("\n"),
  };
}

describe.each(["src/entries/fetch.ts", "src/entries/hono.ts", "src/entries/react-router.ts"])(
  "%s bundled for a runtime with web APIs only",
  (entry) => {
    it("imports nothing: no Node built-in, no framework at run time", async () => {
      const { imports, inputs, text } = await bundle(entry);
      expect(imports).toEqual([]);
      expect(inputs.filter((file) => /node-(request|response)|express|nestjs|next-/.test(file))).toEqual([]);
      expect(text).not.toMatch(/\bBuffer\b/);
    });
  },
);
