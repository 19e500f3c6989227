import type { Config } from "jest";

// The project is ESM (Prisma 7's generated client needs it), so Jest runs with
// --experimental-vm-modules and ts-jest in ESM mode. Sources import siblings with
// ".js" extensions (NodeNext); the mapper points those at the ".ts" files.
const config: Config = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  extensionsToTreatAsEsm: [".ts"],
  transform: { "^.+\\.tsx?$": ["ts-jest", { useESM: true }] },
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  testTimeout: 30_000,
};

export default config;
