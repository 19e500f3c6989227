import { describe, expect, it } from "@jest/globals";
import { clientInfo, truncateAddress } from "../../src/http/client.js";
import { describeDevice, SessionManager } from "../../src/index.js";
import { countCalls } from "../support/backends.js";
import { describeEachBackend } from "../support/each-backend.js";

const CHROME_MAC =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
const SAFARI_IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1";

describe("device names from the User-Agent", () => {
  it.each([
    [CHROME_MAC, "Chrome 120 on macOS", "desktop"],
    [SAFARI_IPHONE, "Safari 17 on iOS (iPhone)", "mobile"],
    ["Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox 128 on Linux", "desktop"],
    ["", "Unknown device", null],
    [null, "Unknown device", null],
  ])("%s reads as %s", (agent, name, type) => {
    expect(describeDevice(agent)).toMatchObject({ name, type });
  });
});

describe("the client's address under each policy", () => {
  it.each([
    ["203.0.113.77", "203.0.113.0"],
    ["::ffff:203.0.113.77", "203.0.113.0"],
    ["2001:db8:85a3:8d3:1319:8a2e:370:7348", "2001:db8:85a3::"],
    ["2001:db8::1", "2001:db8:0::"],
    ["::1", "0:0:0::"],
    ["fe80::1%eth0", "fe80:0:0::"],
    ["not an address", null],
  ])("truncated: %s → %s", (address, expected) => {
    expect(truncateAddress(address)).toBe(expected);
  });

  it("full keeps it, none drops it, and the User-Agent is cut at 191 characters", () => {
    const long = "x".repeat(300);
    expect(clientInfo(long, "203.0.113.77", "full")).toEqual({ userAgent: "x".repeat(191), address: "203.0.113.77" });
    expect(clientInfo(CHROME_MAC, "203.0.113.77", "none")).toEqual({ userAgent: CHROME_MAC, address: null });
    expect(clientInfo(undefined, undefined, "truncated")).toEqual({ userAgent: null, address: null });
  });
});

describeEachBackend("device metadata on %s", (t) => {
  it("is written when the session is created and listed with a device name and last-seen time", async () => {
    const user = `devices-${t.name}-${Date.now()}`;
    const s = t.sessions.open(null, { client: { userAgent: SAFARI_IPHONE, address: "203.0.113.0" } });
    s.userId = user;
    await s.save();
    expect(await t.backend.readRow(s.id ?? "")).toMatchObject({
      userAgent: SAFARI_IPHONE,
      clientAddress: "203.0.113.0",
    });
    const [listed] = await t.sessions.listUserSessions(user);
    expect(listed).toMatchObject({
      id: s.id,
      userAgent: SAFARI_IPHONE,
      clientAddress: "203.0.113.0",
      device: { name: "Safari 17 on iOS (iPhone)", os: "iOS" },
    });
    expect(listed?.lastSeenAt).toEqual(listed?.updatedAt);
  });

  it("costs no write of its own: a read from another device writes nothing until a write is due anyway", async () => {
    const key = await t.storedKey({ a: 1 });
    const { connector, calls } = countCalls(t.backend.connector);
    const elsewhere = { client: { userAgent: CHROME_MAC, address: "198.51.100.0" } };
    const read = new SessionManager({ connector }).open(key, elsewhere);
    await read.load();
    await read.save();
    expect(calls).toEqual(["getSession"]);
    read.set("a", 2);
    await read.save();
    expect(await t.backend.readRow(read.id ?? "")).toMatchObject({
      userAgent: CHROME_MAC,
      clientAddress: "198.51.100.0",
    });
  });
});
