import Bowser from "bowser";

/** What a device list shows of a session's client, read from its User-Agent. */
export interface DeviceInfo {
  /** A readable name: "Chrome 120 on macOS", "Safari 17 on iOS (iPhone)", or "Unknown device". */
  name: string;
  browser: string | null;
  os: string | null;
  /** Bowser's platform type: `"desktop"`, `"mobile"`, `"tablet"`, `"tv"`, … */
  type: string | null;
}

function major(version: string | undefined): string {
  return version?.split(".")[0] ?? "";
}

function text(value: string | undefined): string | null {
  return value === undefined || value === "" ? null : value;
}

/** Parses a User-Agent with Bowser (a well-kept parser) into what a "your devices" page shows. */
export function describeDevice(userAgent: string | null): DeviceInfo {
  if (userAgent === null || userAgent.trim() === "")
    return { name: "Unknown device", browser: null, os: null, type: null };
  const parsed = Bowser.parse(userAgent);
  const browser = text(parsed.browser.name);
  const os = text(parsed.os.name);
  const model = text(parsed.platform.model);
  const parts = [
    browser === null ? null : `${browser} ${major(parsed.browser.version)}`.trim(),
    os === null ? null : `on ${os}${model === null ? "" : ` (${model})`}`,
  ].filter((part) => part !== null);
  return {
    name: parts.length === 0 ? "Unknown device" : parts.join(" "),
    browser,
    os,
    type: text(parsed.platform.type),
  };
}
