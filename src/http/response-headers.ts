import type { SessionOutcome } from "./settle.js";

/** A settled session's answer that replaces the application's response (503, 409 or 500). */
export type ReplacedOutcome = Extract<SessionOutcome, { kind: "replace" }>;

/**
 * The headers of the short plain-text answer that replaces the application's response: nothing
 * of the application's (its cookies included) survives, and no cache keeps it.
 */
export function replacementHeaders(outcome: ReplacedOutcome): [name: string, value: string][] {
  const headers: [string, string][] = [
    ["Content-Type", "text/plain; charset=utf-8"],
    ["Cache-Control", "no-store"],
  ];
  if (outcome.setCookie !== null) headers.push(["Set-Cookie", outcome.setCookie]);
  return headers;
}

/** The `Vary` value with `Cookie` added once (nothing to add after `*`). */
export function varyWithCookie(current: number | string | readonly string[] | null | undefined): string {
  const fields = (Array.isArray(current) ? current.join(",") : String(current ?? ""))
    .split(",")
    .map((field) => field.trim())
    .filter((field) => field.length > 0);
  if (fields.some((field) => field === "*" || field.toLowerCase() === "cookie")) return fields.join(", ");
  return [...fields, "Cookie"].join(", ");
}
