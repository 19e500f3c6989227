import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", prisma: "src/prisma.ts", testing: "src/testing/index.ts" },
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  // ensureSessionTable finds the shipped migrations from import.meta.url; shims make that work in CJS.
  shims: true,
  target: "node20",
});
