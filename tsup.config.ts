import { defineConfig, type Options } from "tsup";

const shared = {
  // ensureSessionTable finds the shipped migrations, and the express entry loads express-session,
  // from import.meta.url; shims make that work in CJS.
  shims: true,
  target: "node20",
} satisfies Options;

export default defineConfig([
  {
    ...shared,
    entry: {
      index: "src/index.ts",
      prisma: "src/entries/prisma.ts",
      testing: "src/entries/testing.ts",
      express: "src/entries/express.ts",
      "express-session": "src/entries/express-session.ts",
      nestjs: "src/entries/nestjs.ts",
      next: "src/entries/next.ts",
      cleanup: "src/entries/cleanup.ts",
      cache: "src/entries/cache.ts",
      fetch: "src/entries/fetch.ts",
      fastify: "src/entries/fastify.ts",
      hono: "src/entries/hono.ts",
      "react-router": "src/entries/react-router.ts",
    },
    format: ["esm", "cjs"],
    // Shared chunks in both formats, so each class exists once: without them every CommonJS entry
    // bundles its own copy of the core, and `instanceof` or Nest's class-token injection across
    // entries (prisma-sessions/nestjs with a SessionManager from prisma-sessions) fail.
    splitting: true,
    dts: true,
    // The two builds run at the same time: this one empties dist/ except the other's output.
    clean: ["!cli.js"],
  },
  {
    ...shared,
    // The command-line entry, ESM only: the `bin` runs it as dist/cli.js and nothing imports it,
    // so it needs neither a CommonJS copy nor types, and one self-contained file is enough. Its
    // source starts with a `#!/usr/bin/env node` line, which esbuild keeps at the top of the
    // output and tsup marks executable.
    entry: { cli: "src/entries/cli.ts" },
    format: ["esm"],
    splitting: false,
    dts: false,
    clean: false,
  },
]);
