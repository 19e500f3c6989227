// The demo page in a real browser: Debian's Chromium driven by playwright-core. Skipped (and
// counted as skipped) when /usr/bin/chromium is missing; .ci/run installs it.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { createDemo, type Demo } from "../../scripts/demo/app.js";

const CHROMIUM = "/usr/bin/chromium";
const root = join(import.meta.dirname, "..", "..");
// As root on a closed network Chromium needs no sandbox, and must not try its background connections.
const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

(existsSync(CHROMIUM) ? describe : describe.skip)("the demo page in headless Chromium", () => {
  let demo: Demo;
  let server: Server;
  let profile: string;
  let context: BrowserContext;
  let page: Page;
  let url: string;
  const dbFile = join(tmpdir(), `prisma-sessions-demo-browser-${process.pid}.db`);

  beforeAll(async () => {
    await rm(dbFile, { force: true });
    demo = await createDemo(dbFile);
    server = demo.app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    profile = await mkdtemp(join(tmpdir(), "prisma-sessions-chromium-")); // a fresh --user-data-dir
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
    });
    page = context.pages()[0] ?? (await context.newPage());
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    server?.close();
    await demo?.close();
    await rm(profile, { recursive: true, force: true });
    await rm(dbFile, { force: true });
  });

  it("signs in, stays signed in across a reload, adds to the cart and signs out", async () => {
    await page.goto(url);
    await page.fill("#sign-in input[name=name]", "ann");
    await page.click("#sign-in button");
    await expect(page.textContent("#signed-in")).resolves.toContain("Signed in as ann");
    const cookie = (await context.cookies(url)).find((c) => c.name === "session_id");
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax" });

    await page.reload();
    await expect(page.textContent("#signed-in")).resolves.toContain("Signed in as ann");

    await page.fill("#add-to-cart input[name=item]", "apple");
    await page.click("#add-to-cart button");
    await expect(page.textContent("#cart")).resolves.toContain("apple");
    expect(JSON.parse((await page.textContent("#data")) ?? "")).toEqual({ user: "ann", cart: ["apple"] });

    await mkdir(join(root, "test-output"), { recursive: true });
    await page.screenshot({ path: join(root, "test-output", "demo-signed-in.png"), fullPage: true });

    await page.click("#sign-out");
    await expect(page.isVisible("#sign-in")).resolves.toBe(true);
    expect((await context.cookies(url)).find((c) => c.name === "session_id")).toBeUndefined();
  }, 60_000);
});
