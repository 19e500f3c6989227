// The demo's single HTML page: server-rendered, no JavaScript, one form per action. After each
// action the page says once what happened, and it explains what it shows.
import type { CleanupResult } from "../../src/cleanup/cleanup.js";
import type { StoredSession } from "../../src/connector.js";
import type { ClientAddressPolicy } from "../../src/http/client.js";
import { redactSessionKey } from "../../src/keys.js";
import type { UserSession } from "../../src/session-manager.js";
import type { SessionStore } from "../../src/session-store.js";
import type { DemoData } from "./app.js";
import { STYLE } from "./style.js";

/** What the last action did, carried to the next page view (`done` names the action). */
export type Notice = Record<string, string>;

export interface PageState {
  session: SessionStore<DemoData>;
  row: StoredSession | null;
  devices: UserSession[];
  lastCleanup: CleanupResult | null;
  notice: Notice;
  addressPolicy: ClientAddressPolicy;
  /** The demo's shortened windows. */
  deadlines: { idleMinutes: number; absoluteHours: number };
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? "" : "s"}`;

function relative(date: Date): string {
  const minutes = Math.round((date.getTime() - Date.now()) / 60_000);
  if (minutes === 0) return "just now";
  const size = Math.abs(minutes);
  const amount = size >= 120 ? `${Math.round(size / 60)} h` : `${size} min`;
  return minutes > 0 ? `in ${amount}` : `${amount} ago`;
}

function when(date: Date): string {
  return `<time datetime="${date.toISOString()}">${date.toISOString().replace("T", " ").slice(0, 19)} UTC</time> <small>(${relative(date)})</small>`;
}

/** The sentence for the last action, or nothing. */
function noticeText({ notice, session }: PageState): string | null {
  const count = Number(notice.count ?? 0);
  const item = escapeHtml(notice.item ?? "");
  switch (notice.done) {
    case "signed-in":
      return `Signed in as <strong>${escapeHtml(session.get("user") ?? "")}</strong>. The session got a new key (${escapeHtml(notice.previous ?? "(none)")} → ${escapeHtml(redactSessionKey(session.sessionKey))}): a key someone saw or planted before sign-in is now worthless. The cart came along.`;
    case "cart-created":
      return `Added <strong>${item}</strong>. This browser had no session: one was created, stored, and its key sent in the cookie.`;
    case "cart-added":
      return `Added <strong>${item}</strong>. The data changed, so the session was written again: its version went up.`;
    case "signed-out":
      return "Signed out: the stored session was deleted and the cookie cleared. Nothing is stored for this browser now.";
    case "others-signed-out":
      return `Signed out ${plural(count, "other device")}: their rows are gone, so their cookies no longer open anything.`;
    case "device-signed-out":
      return "Signed out that device: its row is gone, so its cookie no longer opens anything.";
    case "expired-added":
      return "Added 3 sessions whose deadline passed a minute ago. They can never load again; their rows stay until a cleanup.";
    case "cleaned":
      return `The cleanup deleted ${plural(count, "expired session")} (live sessions are never touched).`;
    default:
      return null;
  }
}

function noticeBanner(state: PageState): string {
  const text = noticeText(state);
  return text === null ? "" : `<p class="notice" id="notice" role="status">${text}</p>`;
}

function sessionCard(state: PageState): string {
  const { session, row, notice } = state;
  if (row === null) {
    return `<p class="muted" id="no-session">No stored session yet: sign in or add something to the cart.</p>`;
  }
  const rekeyed = notice.done === "signed-in";
  const key = `<code>${escapeHtml(redactSessionKey(session.sessionKey))}</code>`;
  const rows: [string, string, string?][] = [
    [
      "Key (cookie)",
      rekeyed
        ? `${key} <span class="changed-note">new at sign-in, was ${escapeHtml(notice.previous ?? "")}</span>`
        : key,
      rekeyed ? ' class="changed" id="key-changed"' : "",
    ],
    ["Stored id (SHA-256 of the key)", `<code>${escapeHtml(row.id.slice(0, 16))}…</code>`],
    ["Data", `<code id="data">${escapeHtml(JSON.stringify(session.toJSON()))}</code>`],
    ["Idle deadline", when(row.expiresAt)],
    ["Absolute deadline", when(row.absoluteExpiresAt)],
    ["Version", `<span id="version">${row.version}</span>`],
  ];
  const list = rows
    .map(([term, value, attributes = ""]) => `<dt${attributes}>${term}</dt><dd${attributes}>${value}</dd>`)
    .join("");
  const { idleMinutes, absoluteHours } = state.deadlines;
  return `<dl>${list}</dl>
    <p class="muted" id="deadlines-help"><strong>Idle deadline</strong>: the session ends after ${idleMinutes} minutes
    without a request; a request once half of that has passed pushes it forward again (one small write).
    <strong>Absolute deadline</strong>: ${absoluteHours} hours after the session began, however active it is; then
    you sign in again. The demo shortens both so you can watch them (the defaults are 7 days idle, 30 days
    absolute). The cookie carries the key; the table holds only its digest.</p>`;
}

function account(state: PageState): string {
  const user = state.session.get("user");
  if (user === undefined) {
    return `<form method="post" action="/sign-in" id="sign-in">
      <input name="name" placeholder="Your name" required maxlength="40" autocomplete="off">
      <button>Sign in</button>
    </form>
    <p class="muted">Signing in gives the session a new key and keeps its cart.</p>`;
  }
  return `<p id="signed-in">Signed in as <strong>${escapeHtml(user)}</strong></p>
    <form method="post" action="/sign-out"><button class="secondary" id="sign-out">Sign out</button></form>`;
}

function cart(state: PageState): string {
  const items = state.session.get("cart") ?? [];
  const list =
    items.length === 0
      ? `<p class="muted">Empty.</p>`
      : `<ul id="cart">${items.map((item) => `<li>${escapeHtml(item)}</li>`).join("")}</ul>`;
  return `${list}<form method="post" action="/cart" id="add-to-cart">
    <input name="item" placeholder="An item, e.g. apple" required maxlength="40" autocomplete="off">
    <button>Add to cart</button>
  </form>`;
}

const ADDRESS_POLICIES: Record<ClientAddressPolicy, string> = {
  full: "kept in full",
  truncated: "kept truncated (IPv4 to its /24, IPv6 to its /48): a coarse location, not the address",
  none: "not kept",
};

function device(entry: UserSession, current: string | null): string {
  const mine = entry.id === current;
  const action = mine
    ? `<span class="badge">this browser</span>`
    : `<form method="post" action="/devices/${entry.id}/sign-out"><button class="link">sign out</button></form>`;
  const address = entry.clientAddress === null ? "no address" : escapeHtml(entry.clientAddress);
  return `<li><strong class="device-name">${escapeHtml(entry.device.name)}</strong> ${action}
    <div class="muted">${address} · last seen <time datetime="${entry.lastSeenAt.toISOString()}">${relative(entry.lastSeenAt)}</time> · until ${when(entry.expiresAt)}</div></li>`;
}

function devices(state: PageState): string {
  if (state.session.get("user") === undefined) return `<p class="muted">Sign in to see your devices.</p>`;
  const items = state.devices.map((entry) => device(entry, state.session.id)).join("");
  const hint =
    state.devices.length < 2
      ? `<p class="muted" id="second-browser-hint">Open this page in a second browser profile and sign in with the same name to see two devices.</p>`
      : "";
  return `<ul id="devices">${items}</ul>
    <p class="muted" id="address-policy">The device name comes from the User-Agent. Addresses are ${ADDRESS_POLICIES[state.addressPolicy]};
    "last seen" is the session's last write.</p>
    <form method="post" action="/devices/sign-out-others"><button class="secondary" id="sign-out-others">Sign out other devices</button></form>
    ${hint}`;
}

function cleanup(state: PageState): string {
  const result = state.lastCleanup;
  const shown =
    result === null
      ? ""
      : `<p id="cleanup-result">Last run: deleted <strong>${result.deleted}</strong> expired session${result.deleted === 1 ? "" : "s"} in ${result.batches} batch${result.batches === 1 ? "" : "es"} (${Math.round(result.elapsedMs)} ms).</p>`;
  return `<p class="muted">Expired sessions never load, but their rows stay until a cleanup deletes them, in batches.</p>
  ${shown}<div class="row">
    <form method="post" action="/expired-samples"><button class="secondary">Add 3 expired sessions</button></form>
    <form method="post" action="/cleanup"><button id="run-cleanup">Run cleanup</button></form>
  </div>`;
}

/** The whole page for one request. */
export function renderPage(state: PageState): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>prisma-sessions demo</title><link rel="icon" href="/favicon.svg" type="image/svg+xml"><style>${STYLE}</style></head>
<body>
<header><h1>prisma-sessions demo</h1><p>Server-side sessions stored through Prisma, here in an embedded SQLite file.</p></header>
<main>
  ${noticeBanner(state)}
  <section><h2>Account</h2>${account(state)}</section>
  <section><h2>Cart</h2>${cart(state)}</section>
  <section class="wide"><h2>Current session</h2>${sessionCard(state)}</section>
  <section><h2>Your devices</h2>${devices(state)}</section>
  <section><h2>Cleanup of expired sessions</h2>${cleanup(state)}</section>
</main>
</body></html>`;
}
