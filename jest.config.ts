import type { Config } from "jest";

// The project is ESM (Prisma 7's generated client needs it), so Jest runs with
// --experimental-vm-modules and ts-jest in ESM mode. Sources import siblings with
// ".js" extensions (NodeNext); the mapper points those at the ".ts" files.
//
// test/infra starts servers of its own (PgBouncer, a PostgreSQL primary and delayed standby, a
// three-node Galera cluster, a fresh create-next-app app from the npm registry) and takes minutes:
// it runs only with PRISMA_SESSIONS_INFRA=1, which `npm run test:infra` and .ci/run set.
const infra = process.env.PRISMA_SESSIONS_INFRA === "1";

const config: Config = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  testPathIgnorePatterns: infra ? ["/node_modules/"] : ["/node_modules/", "<rootDir>/test/infra/"],
  extensionsToTreatAsEsm: [".ts"],
  transform: { "^.+\\.tsx?$": ["ts-jest", { useESM: true }] },
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  testTimeout: 30_000,
};

export default config;
