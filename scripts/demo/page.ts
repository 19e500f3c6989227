// The demo's single HTML page: server-rendered, no JavaScript, one form per action.
import type { CleanupResult } from "../../src/cleanup/cleanup.js";
import type { SessionSummary, StoredSession } from "../../src/connector.js";
import { redactSessionKey } from "../../src/keys.js";
import type { SessionStore } from "../../src/session-store.js";
import type { DemoData } from "./app.js";

export interface PageState {
  session: SessionStore<DemoData>;
  row: StoredSession | null;
  devices: SessionSummary[];
  lastCleanup: CleanupResult | null;
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

function when(date: Date): string {
  const minutes = Math.round((date.getTime() - Date.now()) / 60_000);
  const relative = minutes >= 120 ? `in ${Math.round(minutes / 60)} h` : `in ${minutes} min`;
  return `<time datetime="${date.toISOString()}">${date.toISOString().replace("T", " ").slice(0, 19)} UTC</time> <small>(${relative})</small>`;
}

function sessionCard({ session, row }: PageState): string {
  if (row === null) {
    return `<p class="muted" id="no-session">No stored session yet: sign in or add something to the cart.</p>`;
  }
  const rows: [string, string][] = [
    ["Key (cookie)", `<code>${escapeHtml(redactSessionKey(session.sessionKey))}</code>`],
    ["Stored id (SHA-256 of the key)", `<code>${escapeHtml(row.id.slice(0, 16))}…</code>`],
    ["Data", `<code id="data">${escapeHtml(JSON.stringify(session.toJSON()))}</code>`],
    ["Idle deadline", when(row.expiresAt)],
    ["Absolute deadline", when(row.absoluteExpiresAt)],
    ["Version", `<span id="version">${row.version}</span>`],
  ];
  return `<dl>${rows.map(([term, value]) => `<dt>${term}</dt><dd>${value}</dd>`).join("")}</dl>`;
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

function devices(state: PageState): string {
  if (state.session.get("user") === undefined) return `<p class="muted">Sign in to see your devices.</p>`;
  const current = state.session.id;
  const items = state.devices
    .map((device) => {
      const mine = device.id === current;
      const action = mine
        ? `<span class="badge">this browser</span>`
        : `<form method="post" action="/devices/${device.id}/sign-out"><button class="link">sign out</button></form>`;
      return `<li><code>${escapeHtml(device.id.slice(0, 12))}…</code> until ${when(device.expiresAt)} ${action}</li>`;
    })
    .join("");
  return `<ul id="devices">${items}</ul>
    <form method="post" action="/devices/sign-out-others"><button class="secondary" id="sign-out-others">Sign out other devices</button></form>
    <p class="muted">Open this page in a second browser profile and sign in with the same name to see two devices.</p>`;
}

function cleanup(state: PageState): string {
  const result = state.lastCleanup;
  const shown =
    result === null
      ? ""
      : `<p id="cleanup-result">Last run: deleted <strong>${result.deleted}</strong> expired session${result.deleted === 1 ? "" : "s"} in ${result.batches} batch${result.batches === 1 ? "" : "es"} (${Math.round(result.elapsedMs)} ms).</p>`;
  return `${shown}<div class="row">
    <form method="post" action="/expired-samples"><button class="secondary">Add 3 expired sessions</button></form>
    <form method="post" action="/cleanup"><button id="run-cleanup">Run cleanup</button></form>
  </div>`;
}

const STYLE = `
  :root { color-scheme: light; --accent: #2f6fde; --muted: #667085; --line: #e4e7ec; }
  * { box-sizing: border-box; }
  body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; background: #f6f7f9; color: #101828; }
  header { background: #101828; color: #fff; padding: 1.1rem 2rem; }
  header h1 { margin: 0; font-size: 1.25rem; } header p { margin: .2rem 0 0; color: #c0c6d0; font-size: .9rem; }
  main { max-width: 980px; margin: 1.5rem auto; padding: 0 1rem; display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
  section { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 1rem 1.25rem; }
  section.wide { grid-column: 1 / -1; }
  h2 { font-size: 1rem; margin: 0 0 .75rem; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .35rem 1rem; margin: 0; }
  dt { color: var(--muted); } dd { margin: 0; word-break: break-all; }
  form { display: flex; gap: .5rem; margin: .5rem 0; }
  input { flex: 1; padding: .45rem .6rem; border: 1px solid #cfd4dc; border-radius: 6px; font: inherit; }
  button { padding: .45rem .9rem; border: 0; border-radius: 6px; background: var(--accent); color: #fff; font: inherit; cursor: pointer; }
  button.secondary { background: #eef2f8; color: #1d2939; border: 1px solid #cfd4dc; }
  button.link { background: none; color: var(--accent); padding: 0; text-decoration: underline; }
  ul { padding-left: 1.1rem; margin: .25rem 0; } li form { display: inline; }
  .muted { color: var(--muted); font-size: .9rem; } .row { display: flex; gap: .5rem; }
  .badge { background: #e7f0ff; color: var(--accent); border-radius: 99px; padding: 0 .5rem; font-size: .8rem; }
  code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .85rem; }
  @media (max-width: 760px) { main { grid-template-columns: 1fr; } }
`;

/** The whole page for one request. */
export function renderPage(state: PageState): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>prisma-sessions demo</title><style>${STYLE}</style></head>
<body>
<header><h1>prisma-sessions demo</h1><p>Server-side sessions stored through Prisma, here in an embedded SQLite file.</p></header>
<main>
  <section><h2>Account</h2>${account(state)}</section>
  <section><h2>Cart</h2>${cart(state)}</section>
  <section class="wide"><h2>Current session</h2>${sessionCard(state)}</section>
  <section><h2>Your devices</h2>${devices(state)}</section>
  <section><h2>Cleanup of expired sessions</h2>${cleanup(state)}</section>
</main>
</body></html>`;
}
