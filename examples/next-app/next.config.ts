import type { NextConfig } from "next";

const config: NextConfig = {
  // The example compiles the library from the repository's source (tsconfig.json `paths`), whose
  // NodeNext imports name siblings `./x.js` for `./x.ts` (so does the generated Prisma client).
  // webpack maps those with extensionAlias; Turbopack has no such option yet, hence `--webpack`.
  experimental: { externalDir: true },
  webpack: (webpackConfig: { resolve: { extensionAlias?: Record<string, string[]> } }) => {
    webpackConfig.resolve.extensionAlias = { ".js": [".ts", ".tsx", ".js"] };
    return webpackConfig;
  },
  // Native and WebAssembly modules stay in node_modules instead of being bundled.
  serverExternalPackages: ["better-sqlite3", "@prisma/adapter-better-sqlite3", "@prisma/client"],
};

export default config;
