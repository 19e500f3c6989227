// The layers of src/ and what each may import (docs/architecture.md draws them). A layer imports
// only from layers below it; `npm run lint:layers` (and CI) fails on any import that runs upward.
//
//   entries            the package's subpaths (src/index.ts, src/entries/): may import anything;
//                      nothing imports them
//   cli                the command line
//   integrations       Express, express-session, NestJS, Next.js
//   http               the framework-neutral HTTP core
//   connectors setup   storages; the quick-start table creation
//   cache              the session cache in front of a connector, its invalidation channels
//   storage            runs SQL (runners, the SQL table, locks, server batches)
//   cleanup            the cleanup engine and schedule, over the contract
//   sql                statements: pure text and values, no I/O
//   core               src/*.ts and src/serialization: SessionStore, saving, expiry, keys, options
//   contract           src/connector.ts
//   base               errors, clock, numbers, small helpers
const base = "src/(errors|clock|duration|numbers|memo|error-chain)\\.ts$";
const contract = "src/connector\\.ts$";
const core = "src/([^/]+\\.ts|serialization/.+)$";

/** Everything under src/ that is not in `allowed` (regexes) or the importer's own folder. */
function only(name, from, allowed) {
  return {
    name,
    severity: "error",
    comment: `${name} may import only: ${allowed.join(", ")}`,
    from: { path: from },
    to: { path: "^src/", pathNot: `^(${allowed.join("|")})` },
  };
}

module.exports = {
  forbidden: [
    only("base", `^${base}`, [base]),
    only("contract", `^${contract}`, [base]),
    only("core", "^src/((?!index\\.ts)[^/]+|serialization/[^/]+)\\.ts$", [base, contract, core]),
    only("sql", "^src/sql/", [base, contract, "src/sql/"]),
    only("cleanup", "^src/cleanup/", [base, contract, core, "src/cleanup/"]),
    only("storage", "^src/storage/", [base, contract, core, "src/sql/", "src/storage/"]),
    only("connectors", "^src/connectors/", [base, contract, core, "src/sql/", "src/storage/", "src/connectors/"]),
    only("setup", "^src/setup/", [base, contract, core, "src/sql/", "src/storage/", "src/setup/"]),
    only("cache", "^src/cache/", [base, contract, core, "src/sql/", "src/cache/"]),
    only("http", "^src/http/", [base, contract, core, "src/http/"]),
    only("integrations", "^src/integrations/", [base, contract, core, "src/http/", "src/integrations/"]),
    only("cli", "^src/cli/", [
      base,
      contract,
      core,
      "src/sql/",
      "src/storage/",
      "src/cleanup/",
      "src/setup/",
      "src/cli/",
    ]),
    only("testing", "^src/testing/", [base, contract, "src/testing/"]),
    {
      name: "entries are leaves",
      severity: "error",
      comment: "src/entries/ are the package's subpaths: nothing in src imports them",
      from: { path: "^src/" },
      to: { path: "^src/(entries/|index\\.ts$)" },
    },
    {
      name: "no cycles",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "^(test|scripts|examples|dist)/" },
  },
};
