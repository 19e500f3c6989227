// `npm run demo`: a small web app showing prisma-sessions on an embedded SQLite file (demo.db in
// the working directory). `npm run demo -- --check` starts it on a free port, drives every flow
// over HTTP, prints each step and exits 0 (1 at the first step that misbehaves).
import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { createDemo } from "./demo/app.js";
import { runCheck } from "./demo/check.js";

const checking = process.argv.includes("--check");
const file = join(process.cwd(), checking ? `demo-check-${process.pid}.db` : "demo.db");
const demo = await createDemo(file);

async function listen(port: number): Promise<Server> {
  const server = demo.app.listen(port, "127.0.0.1");
  const [result] = await Promise.race([once(server, "listening"), once(server, "error")]);
  if (result instanceof Error) throw result;
  return server;
}

async function start(): Promise<Server> {
  if (checking) return listen(0);
  try {
    return await listen(Number(process.env.PORT ?? 3000));
  } catch {
    return listen(0); // port taken: any free one
  }
}

const server = await start();
const url = `http://localhost:${(server.address() as AddressInfo).port}`;

async function shutDown(): Promise<void> {
  server.close();
  await demo.close();
  if (checking) {
    const { rm } = await import("node:fs/promises");
    await rm(file, { force: true });
  }
}

if (checking) {
  try {
    await runCheck(url);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  } finally {
    await shutDown();
  }
} else {
  console.log(`prisma-sessions demo: ${url}  (sessions in ${file}; Ctrl+C stops)`);
  process.once("SIGINT", () => void shutDown());
  process.once("SIGTERM", () => void shutDown());
}
