// `npm run demo -- --check`: drives the demo's flows over HTTP as two browsers would, printing
// each step; throws at the first step that does not behave as described.

/** One browser: a cookie jar (the session cookie and the page's one-time notice). */
class Browser {
  readonly #jar = new Map<string, string>();

  constructor(readonly base: string) {}

  get cookie(): string | null {
    return this.#jar.get("session_id") ?? null;
  }

  async page(): Promise<string> {
    return (await this.#send("GET", "/")).text();
  }

  /** Submits a form and follows the redirect back to the page. */
  async post(path: string, fields: Record<string, string> = {}): Promise<string> {
    const response = await this.#send("POST", path, new URLSearchParams(fields));
    if (response.status !== 303) throw new Error(`POST ${path} answered ${response.status}`);
    return this.page();
  }

  async #send(method: string, path: string, body?: URLSearchParams): Promise<Response> {
    const cookie = [...this.#jar].map(([name, value]) => `${name}=${value}`).join("; ");
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers: cookie === "" ? {} : { cookie },
      redirect: "manual",
      ...(body === undefined ? {} : { body }),
    });
    for (const header of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = header.split(";");
      const [name = "", value = ""] = pair.split("=");
      const cleared = value === "" || attributes.some((a) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(a));
      if (cleared) this.#jar.delete(name);
      else this.#jar.set(name, value);
    }
    return response;
  }
}

let step = 0;
function show(title: string, detail: string): void {
  step += 1;
  console.log(`${String(step).padStart(2)}. ${title}\n    ${detail}`);
}
function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`demo check failed: ${what}`);
}
const short = (key: string | null) => (key === null ? "(none)" : `${key.slice(0, 6)}…`);
/** The text inside the element with this id (tags dropped, entities decoded, spaces collapsed); `null` if absent. */
function text(html: string, id: string): string | null {
  const inner = new RegExp(`id="${id}"[^>]*>(.*?)</(?:code|p|span|ul)>`, "s").exec(html)?.[1];
  if (inner === undefined) return null;
  return inner
    .replace(/<[^>]+>/g, "")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();
}

/** Runs every flow of the demo page against the server at `base`. */
export async function runCheck(base: string): Promise<void> {
  const laptop = new Browser(base);
  let html = await laptop.page();
  check(html.includes('id="sign-in"') && laptop.cookie === null, "a first visit shows the sign-in form, no cookie");
  check(html.includes('rel="icon" href="/favicon.svg"'), "the page names its icon");
  const icon = await fetch(`${base}/favicon.svg`);
  check(
    icon.status === 200 && (icon.headers.get("content-type") ?? "").startsWith("image/svg+xml"),
    "the icon is served",
  );
  show("Open the page", "no session yet: nothing stored, no cookie; the tab shows the demo's icon");

  html = await laptop.post("/cart", { item: "apple" });
  const anonymous = laptop.cookie;
  check(anonymous !== null && text(html, "data") === '{"cart":["apple"]}', "the cart is stored");
  check(text(html, "notice")?.includes("one was created") === true, "the page says a session was created");
  check(text(html, "deadlines-help")?.includes("The demo shortens both") === true, "the deadlines are explained");
  show("Add an apple to the cart", `cookie ${short(anonymous)}, data ${text(html, "data")}: "${text(html, "notice")}"`);

  html = await laptop.post("/sign-in", { name: "ann" });
  check(laptop.cookie !== null && laptop.cookie !== anonymous, "the key rotates on sign-in");
  check(text(html, "data") === '{"cart":["apple"],"user":"ann"}', "the cart survives sign-in");
  check(text(html, "notice")?.includes("new key") === true, "the page says the key changed");
  check(html.includes('id="key-changed"'), "the changed key is highlighted");
  check(text(html, "second-browser-hint") !== null, "one device: the page suggests a second browser");
  show("Sign in as ann", `key ${short(anonymous)} → ${short(laptop.cookie)}, data ${text(html, "data")}`);

  html = await laptop.page();
  check(text(html, "signed-in") === "Signed in as ann", "a reload stays signed in");
  check(text(html, "notice") === null && !html.includes('id="key-changed"'), "a reload shows no notice");
  show("Reload", `${text(html, "signed-in")}, version ${text(html, "version")}`);

  html = await laptop.post("/cart", { item: "pear" });
  check(text(html, "data") === '{"cart":["apple","pear"],"user":"ann"}', "a second item is added");
  show("Add a pear", `data ${text(html, "data")}, version ${text(html, "version")}`);

  const phone = new Browser(base);
  await phone.post("/sign-in", { name: "ann" });
  html = await laptop.page();
  const devices = (/<ul id="devices">(.*?)<\/ul>/s.exec(html)?.[1] ?? "").match(/<li>/g)?.length ?? 0;
  check(devices === 2, "ann has two devices");
  check(text(html, "second-browser-hint") === null, "two devices: the second-browser hint is gone");
  check(
    /last seen/.test(html) && text(html, "address-policy")?.includes("truncated") === true,
    "devices show last seen and the address policy",
  );
  show(
    "Sign in as ann in a second browser",
    `the first browser lists ${devices} devices, each with name, address and last seen`,
  );

  html = await laptop.post("/devices/sign-out-others");
  check(
    text(html, "notice")?.startsWith("Signed out 1 other device") === true,
    "the page counts the devices signed out",
  );
  const phonePage = await phone.page();
  check(phonePage.includes('id="sign-in"'), "the second browser is signed out");
  show("Sign out other devices", "the second browser is back to the sign-in form");

  await laptop.post("/expired-samples");
  html = await laptop.post("/cleanup");
  const result = text(html, "cleanup-result") ?? "";
  check(/deleted \d+ expired/.test(result) && !result.includes("deleted 0 "), "the cleanup deletes expired rows");
  show("Add 3 expired sessions and run the cleanup", result);

  const key = laptop.cookie;
  html = await laptop.post("/sign-out");
  check(laptop.cookie === null && html.includes('id="sign-in"'), "sign-out clears the cookie");
  check(
    text(html, "notice")?.startsWith("Signed out: the stored session was deleted") === true,
    "the page confirms sign-out",
  );
  show("Sign out", `cookie ${short(key)} cleared, back to the sign-in form`);
  console.log("\nDemo check finished: every step behaved as described.");
}
