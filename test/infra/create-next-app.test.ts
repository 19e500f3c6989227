// The Next.js guide, tested as a user follows it: a fresh app from the current create-next-app
// (its defaults: Turbopack, cacheComponents, the @/* alias; npm, no git), the packages the guide
// installs (prisma-sessions from the tarball `npm pack` makes of this working tree), then every
// TypeScript and Prisma file of docs/guides/nextjs.md written as the guide shows it. `next build`
// and `next start` on a free loopback port, on a PostgreSQL database of its own; sign-in, data,
// devices, the Pages API route, the cron route and sign-out are driven over HTTP and checked in
// the table. 2 to 5 minutes (two installs from the registry, a pack, a build): PRISMA_SESSIONS_INFRA=1.
// The pack rewrites dist/ and, for a moment, package.json: run it apart from other test files, as
// `npm run test:infra` does (one worker).
//
// Two steps differ from the guide because this machine reaches only the npm registry: the
// default layout's Google fonts are left out (next/font/google downloads them at build time),
// and the table comes from the package's shipped migration SQL, applied directly, instead of
// `prisma migrate dev` (Prisma's schema engine cannot be downloaded here; the SQL is the same).
import { type ExecFileSyncOptions, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import pg from "pg";
import { hashSessionKey } from "../../src/keys.js";
import { NextClient, type NextServer, nextEnv, startNext, stopNext } from "../support/next-server.js";

const root = join(import.meta.dirname, "..", "..");
const guide = readFileSync(join(root, "docs", "guides", "nextjs.md"), "utf8");
const work = mkdtempSync(join(tmpdir(), "prisma-sessions-create-next-app-"));
const app = join(work, "app");
const adminUrl = process.env.PRISMA_SESSIONS_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
const database = `prisma_sessions_next_${process.pid}`;
const databaseUrl = Object.assign(new URL(adminUrl), { pathname: `/${database}` }).toString();
const cronSecret = "a-test-cron-secret";
const env = () => nextEnv({ DATABASE_URL: databaseUrl, CRON_SECRET: cronSecret });

/** Runs a command; on failure throws with its output. Returns its standard output. */
function run(command: string, args: string[], cwd: string, options: ExecFileSyncOptions = {}): string {
  try {
    return String(execFileSync(command, args, { cwd, env: env(), stdio: ["ignore", "pipe", "pipe"], ...options }));
  } catch (error) {
    const { stdout, stderr, status } = error as { stdout?: Buffer; stderr?: Buffer; status?: number };
    throw new Error(`${command} ${args.join(" ")} failed (exit ${status}):\n${stdout}\n${stderr}`);
  }
}

/** The working tree packed as users get it (prepack builds dist/; package.json must come back unchanged). */
function pack(): string {
  const manifest = join(root, "package.json");
  if (existsSync(`${manifest}.backup`)) throw new Error("package.json.backup exists: run npx clean-package restore");
  const before = readFileSync(manifest, "utf8");
  run("npm", ["pack", "--pack-destination", work, "--loglevel=error"], root);
  if (readFileSync(manifest, "utf8") !== before) throw new Error("package.json differs after npm pack");
  const { name, version } = JSON.parse(before) as { name: string; version: string };
  return join(work, `${name}-${version}.tgz`);
}

/** The guide's files: every ts, tsx and prisma block whose first line is `// <path>`. */
function guideFiles(): { path: string; text: string }[] {
  const files = [...guide.matchAll(/```(ts|tsx|prisma)\n([\s\S]*?)```/g)].flatMap(([, , text = ""]) => {
    const path = /^\/\/ ([\w@./[\]-]+)\n/.exec(text)?.[1];
    return path === undefined ? [] : [{ path, text }];
  });
  if (files.length < 8) throw new Error(`the guide shows only ${files.length} files`);
  return files;
}

/** The `npm install …` lines of the guide's set-up section, the package itself taken from the tarball. */
function guideInstalls(tarball: string): string[][] {
  const setUp = /\n## Set up\n([\s\S]*?)\n## /.exec(guide)?.[1] ?? "";
  const lines = [...setUp.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap(([, block = ""]) =>
    block.split("\n").filter((line) => line.startsWith("npm install ")),
  );
  if (lines.length === 0) throw new Error("the guide installs nothing");
  return lines.map((line) =>
    line
      .split(/\s+/)
      .slice(1)
      .map((word) => (word === "prisma-sessions" ? tarball : word)),
  );
}

async function sql<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

async function admin(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

const owner = async (key: string | null): Promise<string | null | undefined> =>
  key === null
    ? undefined
    : (await sql<{ user_id: string | null }>("SELECT user_id FROM sessions WHERE id = $1", [hashSessionKey(key)]))[0]
        ?.user_id;

let server: NextServer | undefined;
let buildOutput = "";
const timings: string[] = [];

function timed<T>(what: string, step: () => T): T {
  const started = performance.now();
  const result = step();
  timings.push(`${what} ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return result;
}

beforeAll(async () => {
  const tarball = timed("npm pack", pack);
  timed("create-next-app", () =>
    run("npx", ["--yes", "create-next-app@latest", "app", "--yes", "--use-npm", "--disable-git"], work),
  );
  timed("npm install", () => {
    for (const args of guideInstalls(tarball)) run("npm", ["install", ...args, "--no-audit", "--no-fund"], app);
  });
  for (const { path, text } of guideFiles()) {
    mkdirSync(dirname(join(app, path)), { recursive: true });
    writeFileSync(join(app, path), text);
  }
  // Offline: the default layout without its Google fonts (next/font/google fetches them at build time).
  writeFileSync(
    join(app, "app", "layout.tsx"),
    'import "./globals.css";\n\nexport default function RootLayout({ children }: LayoutProps<"/">) {\n' +
      '  return (\n    <html lang="en">\n      <body>{children}</body>\n    </html>\n  );\n}\n',
  );
  // `prisma generate` runs no engine, but the CLI wants the schema engine's file to exist (see scripts/generate.mjs).
  const engines = join(app, "node_modules", "@prisma", "engines");
  const hasEngine = readdirSync(engines).some((name) => name.startsWith("schema-engine"));
  const generateEnv = hasEngine ? env() : { ...env(), PRISMA_SCHEMA_ENGINE_BINARY: join(app, "package.json") };
  run(process.execPath, [join(app, "node_modules", "prisma", "build", "index.js"), "generate"], app, {
    env: generateEnv,
  });

  await admin(`DROP DATABASE IF EXISTS "${database}"`);
  await admin(`CREATE DATABASE "${database}"`);
  const migrations = join(app, "node_modules", "prisma-sessions", "prisma", "postgresql", "migrations");
  for (const name of readdirSync(migrations)
    .filter((entry) => /^\d/.test(entry))
    .sort()) {
    await sql(readFileSync(join(migrations, name, "migration.sql"), "utf8"));
  }

  const nextBin = join(app, "node_modules", "next", "dist", "bin", "next");
  buildOutput = timed("next build", () => run(process.execPath, [nextBin, "build"], app));
  server = await startNext(nextBin, app, env(), "/api/cart");
  console.log(`create-next-app test: ${timings.join(", ")}`);
}, 900_000);

afterAll(async () => {
  await stopNext(server);
  await admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  rmSync(work, { recursive: true, force: true });
});

describe("a fresh create-next-app app built from the Next.js guide", () => {
  it("builds with create-next-app's defaults: Turbopack, Cache Components, the page as a partial prerender", () => {
    expect(buildOutput).toContain("(Turbopack)");
    expect(buildOutput).toContain("Cache Components enabled");
    expect(buildOutput).toMatch(/◐ \/\n/);
    expect(buildOutput).toContain("/api/visits"); // the Pages Router route, on a path of its own
  });

  it("keeps an anonymous cart, signs in with a new key and the owner stored, and shows the page", async () => {
    const client = new NextClient(() => server);
    expect(await (await client.request("/")).text()).toContain('id="sign-in"');
    const added = await client.json<{ cart: string[] }>("/api/cart", "POST", { item: "apple" });
    expect(added).toEqual({ status: 200, body: { cart: ["apple"] } });
    const anonymous = client.cookie;
    expect(anonymous).not.toBeNull();

    expect((await client.submit("sign-in", { user: "ann" })).status).toBe(303);
    expect(client.lastSetCookie).toMatchObject({ httpOnly: true, sameSite: "lax", path: "/" });
    expect(client.cookie).not.toBe(anonymous);
    expect(await owner(client.cookie)).toBe("ann");
    expect((await client.json("/api/cart")).body).toEqual({ user: "ann", cart: ["apple"] });

    const page = await (await client.request("/")).text();
    expect(page).toMatch(/Signed in as (<!-- -->)?ann/);
    expect(page).toMatch(/Cart: (<!-- -->)?apple/);
    expect(page).toContain("(this device)");
  });

  it("counts visits in the Pages Router API route, with req.query and the same session", async () => {
    const client = new NextClient(() => server);
    await client.submit("sign-in", { user: "bob" });
    expect((await client.json("/api/visits?from=test")).body).toEqual({ user: "bob", visits: 1, from: "test" });
    expect((await client.json("/api/visits")).body).toEqual({ user: "bob", visits: 2, from: null });
  });

  it("signs out other devices, then this one: rows deleted, cookie cleared", async () => {
    const laptop = new NextClient(() => server);
    const phone = new NextClient(() => server);
    await laptop.submit("sign-in", { user: "cleo" });
    await phone.submit("sign-in", { user: "cleo" });
    expect((await (await laptop.request("/")).text()).match(/<li>/g)).toHaveLength(2);

    await laptop.submit("sign-out-others");
    expect(await owner(phone.cookie)).toBeUndefined();
    expect((await phone.json("/api/cart")).body).toEqual({ user: null, cart: [] });

    const key = laptop.cookie;
    expect((await laptop.submit("sign-out")).status).toBe(303);
    expect(laptop.lastSetCookie?.maxAge).toBe(0);
    expect(laptop.cookie).toBeNull();
    expect(await owner(key)).toBeUndefined();
  });

  it("runs the cleanup from the cron route only with the secret, deleting expired rows", async () => {
    const expired = "e".padStart(64, "0");
    await sql(
      `INSERT INTO sessions (id, data, expires_at, absolute_expires_at)
       VALUES ($1, '', now() - interval '1 day', now() - interval '1 day')`,
      [expired],
    );
    const client = new NextClient(() => server);
    expect((await client.request("/api/cron/session-cleanup")).status).toBe(401);
    const result = await client.json<{ deleted: number }>("/api/cron/session-cleanup", "GET", undefined, {
      authorization: `Bearer ${cronSecret}`,
    });
    expect(result.status).toBe(200);
    expect(result.body.deleted).toBeGreaterThanOrEqual(1);
    expect(await sql("SELECT id FROM sessions WHERE id = $1", [expired])).toEqual([]);
  });

  it("logs no error while serving: nothing of the session runs in a prerender", async () => {
    const client = new NextClient(() => server);
    await client.submit("sign-in", { user: "dan" });
    await client.request("/");
    await client.request("/api/visits");
    expect(server?.output()).not.toMatch(/error/i);
  });
});
