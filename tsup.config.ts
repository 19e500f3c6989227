import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    prisma: "src/prisma.ts",
    testing: "src/testing/index.ts",
    express: "src/express.ts",
    nestjs: "src/nestjs.ts",
    next: "src/next.ts",
    cleanup: "src/cleanup.ts",
    // The command-line entry: its source starts with a `#!/usr/bin/env node` line, which esbuild
    // keeps at the top of the output and tsup marks executable (the `bin` in package.json).
    cli: "src/cli.ts",
  },
  format: ["esm", "cjs"],
  // Shared chunks in both formats, so each class exists once: without them every CommonJS entry
  // bundles its own copy of the core, and `instanceof` or Nest's class-token injection across
  // entries (prisma-sessions/nestjs with a SessionManager from prisma-sessions) fail.
  splitting: true,
  dts: true,
  clean: true,
  // ensureSessionTable finds the shipped migrations, and the express entry loads express-session,
  // from import.meta.url; shims make that work in CJS.
  shims: true,
  target: "node20",
});
