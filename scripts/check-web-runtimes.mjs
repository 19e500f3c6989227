// Runs the built fetch core and Hono middleware (./web-runtime/apps.mjs, from dist/, on the
// memory connector) on the runtime that starts this file, over its own server, Request, Response
// and fetch: `npm run build`, then `node|bun|deno run -A scripts/check-web-runtimes.mjs`.
// `node scripts/check-web-runtimes.mjs --workerd <miniflare module>` bundles them as a Cloudflare
// Worker (esbuild, the export conditions worker bundlers use, no Node built-ins) and runs it in
// workerd, the Workers runtime, through Miniflare (no `nodejs_compat`: web APIs only).
// Prints one line per check and exits non-zero on the first failure.
import { apps } from "./web-runtime/apps.mjs";

function check(runtime, label, ok) {
  console.log(`${ok ? "ok  " : "FAIL"} ${runtime}: ${label}`);
  if (!ok) process.exit(1);
}

/** The checks, against `call(path, method, cookie)` returning a `Response`. */
async function checks(runtime, name, call) {
  const first = await call("/cart", "POST");
  const cookie = (first.headers.get("set-cookie") ?? "").split(";")[0];
  await first.text();
  check(runtime, `${name}: a write sets a signed session cookie`, /^session_id=[\w-]{32}\.[\w-]{43}$/.test(cookie));
  check(
    runtime,
    `${name}: the cookie brings the session back`,
    JSON.stringify(await (await call("/", "GET", cookie)).json()) === '{"cart":true}',
  );
  const tampered = `${cookie.slice(0, -1)}${cookie.endsWith("A") ? "B" : "A"}`;
  check(
    runtime,
    `${name}: a tampered cookie is no session`,
    JSON.stringify(await (await call("/", "GET", tampered)).json()) === "{}",
  );
  const login = await call("/login", "POST", cookie);
  const fresh = (login.headers.get("set-cookie") ?? "").split(";")[0];
  await login.text();
  check(
    runtime,
    `${name}: log-in rotates the key and keeps the data`,
    fresh !== cookie && (await (await call("/", "GET", fresh)).text()).includes('"cart":true'),
  );
  const late = await call("/late", "POST", cookie);
  check(
    runtime,
    `${name}: a write with the key rotated moments ago answers 409 without Set-Cookie`,
    late.status === 409 && late.headers.get("set-cookie") === null,
  );
  await late.text();
}

const headers = (cookie) => (cookie ? { cookie } : {});

async function serve(handler) {
  if (globalThis.Bun) {
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: handler });
    return { url: `http://127.0.0.1:${server.port}`, close: () => server.stop(true) };
  }
  if (globalThis.Deno) {
    const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, handler);
    return { url: `http://127.0.0.1:${server.addr.port}`, close: () => server.shutdown() };
  }
  const { serve: nodeServe } = await import("@hono/node-server");
  return new Promise((resolve) => {
    const server = nodeServe({ fetch: handler, port: 0, hostname: "127.0.0.1" }, (info) =>
      resolve({ url: `http://127.0.0.1:${info.port}`, close: () => new Promise((done) => server.close(done)) }),
    );
  });
}

async function onThisRuntime() {
  const runtime = globalThis.Bun
    ? `Bun ${Bun.version}`
    : globalThis.Deno
      ? `Deno ${Deno.version.deno}`
      : `Node ${process.version}`;
  for (const [name, handler] of apps()) {
    const { url, close } = await serve(handler);
    await checks(runtime, name, (path, method, cookie) => fetch(`${url}${path}`, { method, headers: headers(cookie) }));
    await close();
  }
}

async function onWorkerd(miniflareModule) {
  const { build } = await import("esbuild");
  const bundled = await build({
    entryPoints: [new URL("./web-runtime/worker.mjs", import.meta.url).pathname],
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    write: false,
    logLevel: "error",
  });
  const { Miniflare } = await import(miniflareModule);
  const mf = new Miniflare({ modules: true, script: bundled.outputFiles[0].text, compatibilityDate: "2026-04-01" });
  try {
    const runtime = `workerd (Miniflare ${(await import(`${miniflareModule.replace(/dist\/src\/index\.js$/, "")}package.json`, { with: { type: "json" } })).default.version})`;
    for (const [index, [name]] of apps().entries()) {
      await checks(runtime, name, (path, method, cookie) =>
        mf.dispatchFetch(`http://worker.local/${index}${path}`, { method, headers: headers(cookie) }),
      );
    }
  } finally {
    await mf.dispose();
  }
}

const at = process.argv.indexOf("--workerd");
if (at === -1) await onThisRuntime();
else await onWorkerd(process.argv[at + 1]);
