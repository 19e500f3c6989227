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
const IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
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
    await page.fill("#add-to-cart input[name=item]", "apple");
    await page.click("#add-to-cart button");
    await expect(page.textContent("#notice")).resolves.toContain("one was created");
    await expect(page.textContent("#cart")).resolves.toContain("apple");
    await expect(page.textContent("#deadlines-help")).resolves.toContain("The demo shortens both");

    await page.fill("#sign-in input[name=name]", "ann");
    await page.click("#sign-in button");
    await expect(page.textContent("#signed-in")).resolves.toContain("Signed in as ann");
    await expect(page.textContent("#notice")).resolves.toContain("The session got a new key");
    await expect(page.isVisible("#key-changed")).resolves.toBe(true);
    await expect(page.isVisible("#second-browser-hint")).resolves.toBe(true);
    const cookie = (await context.cookies(url)).find((c) => c.name === "session_id");
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax" });
    expect(JSON.parse((await page.textContent("#data")) ?? "")).toEqual({ user: "ann", cart: ["apple"] });

    await page.reload();
    await expect(page.textContent("#signed-in")).resolves.toContain("Signed in as ann");
    await expect(page.isVisible("#notice")).resolves.toBe(false);

    await page.click("#sign-out");
    await expect(page.textContent("#notice")).resolves.toContain("Signed out");
    await expect(page.isVisible("#sign-in")).resolves.toBe(true);
    expect((await context.cookies(url)).find((c) => c.name === "session_id")).toBeUndefined();
  }, 60_000);

  it("lists both devices by name, address and last seen, without the second-browser hint", async () => {
    // A phone signs in first, over plain HTTP with its own User-Agent.
    const phone = await fetch(`${url}sign-in`, {
      method: "POST",
      body: new URLSearchParams({ name: "bea" }),
      headers: { "user-agent": IPHONE },
      redirect: "manual",
    });
    expect(phone.status).toBe(303);

    await page.goto(url);
    await page.fill("#add-to-cart input[name=item]", "apple");
    await page.click("#add-to-cart button");
    await page.fill("#sign-in input[name=name]", "bea");
    await page.click("#sign-in button");
    await expect(page.isVisible("#key-changed")).resolves.toBe(true);
    const names = await page.locator("#devices .device-name").allTextContents();
    expect(names).toHaveLength(2);
    expect(names).toContainEqual(expect.stringContaining("iOS"));
    await expect(page.textContent("#devices")).resolves.toContain("last seen");
    await expect(page.textContent("#address-policy")).resolves.toContain("truncated");
    await expect(page.isVisible("#second-browser-hint")).resolves.toBe(false);
    expect(await page.getAttribute('link[rel="icon"]', "href")).toBe("/favicon.svg");

    // The page as docs/demo-page.png shows it: just signed in, two devices, the new key highlighted.
    await mkdir(join(root, "test-output"), { recursive: true });
    await page.screenshot({ path: join(root, "test-output", "demo-signed-in.png"), fullPage: true });
  }, 60_000);
});
