import type { ClientInfo } from "../connector.js";

/**
 * How much of the client's address a session records for device lists: the whole address,
 * a truncated one (IPv4 to its /24, IPv6 to its /48: a coarse location, not a person), or none.
 */
export type ClientAddressPolicy = "full" | "truncated" | "none";

/** Longest User-Agent kept, in characters (the column's length on MySQL/MariaDB). */
const MAX_USER_AGENT = 191;

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** An address cut to its network: `203.0.113.7` → `203.0.113.0`, `2001:db8:85a3::1` → `2001:db8:85a3::`. */
export function truncateAddress(address: string): string | null {
  const text = address.trim().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, "");
  const v4 = IPV4.exec(text);
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.0`;
  if (!text.includes(":")) return null; // not an address we understand: keep nothing
  const [head = ""] = text.split("%"); // drop a zone index (fe80::1%eth0)
  const [left = "", right] = head.split("::");
  const groups = left === "" ? [] : left.split(":");
  // Fewer than three groups before "::" means zeros follow: pad with them.
  while (groups.length < 3 && right !== undefined) groups.push("0");
  if (groups.length < 3 || !groups.slice(0, 3).every((group) => /^[0-9a-f]{1,4}$/i.test(group))) return null;
  return `${groups.slice(0, 3).join(":").toLowerCase()}::`;
}

/** What a session records of the client a request comes from, under the address policy. */
export function clientInfo(
  userAgent: string | undefined | null,
  address: string | undefined | null,
  policy: ClientAddressPolicy,
): ClientInfo {
  const agent =
    userAgent === undefined || userAgent === null || userAgent === ""
      ? null
      : [...userAgent].slice(0, MAX_USER_AGENT).join("");
  const kept =
    address === undefined || address === null || policy === "none"
      ? null
      : policy === "full"
        ? address
        : truncateAddress(address);
  return { userAgent: agent, address: kept };
}
