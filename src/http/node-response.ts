import { type ServerResponse, STATUS_CODES } from "node:http";
import { type ReplacedOutcome, replacementHeaders, varyWithCookie } from "./response-headers.js";
import type { SessionOutcome } from "./settle.js";

type Method = "writeHead" | "write" | "end" | "flushHeaders";

const METHODS: readonly Method[] = ["writeHead", "write", "end", "flushHeaders"];

/**
 * Holds a Node response back until the session is settled. The save is asynchronous and its
 * outcome decides the headers (a new key is known only once saved; an outage turns the answer
 * into a 503), so nothing may reach the socket before it. The first `writeHead`, `write`, `end`
 * or `flushHeaders` starts `settle`; that call and any later ones are replayed, in order, once
 * it is done. express-session instead sends the headers first and delays only the last byte,
 * which is why it cannot report a failed save.
 *
 * The wrappers stay installed (another middleware may have wrapped them in turn), passing calls
 * straight through once the response is released.
 *
 * `onUnexpected` hears of a failure to release the response (which is then destroyed).
 *
 * Returns a function giving a promise that settles once the held calls went out (at once when
 * nothing was held yet): for frameworks that check, when the handler returns, whether the
 * response was sent (Next's Pages Router warns otherwise).
 */
export function holdResponse(
  res: ServerResponse,
  settle: (status: number) => Promise<SessionOutcome>,
  onUnexpected: (error: unknown) => void,
): () => Promise<void> {
  const original = {
    writeHead: res.writeHead,
    write: res.write,
    end: res.end,
    flushHeaders: res.flushHeaders,
  };
  let state: "waiting" | "holding" | "released" | "replaced" = "waiting";
  const held: { method: Method; args: unknown[] }[] = [];
  let sent: Promise<void> = Promise.resolve();

  const release = (outcome: SessionOutcome): void => {
    if (outcome.kind === "replace") {
      state = "replaced";
      replace(res, outcome, original);
      return;
    }
    state = "released";
    if (outcome.setCookie !== null) res.appendHeader("Set-Cookie", outcome.setCookie);
    if (outcome.vary) res.setHeader("Vary", varyWithCookie(res.getHeader("Vary")));
    for (const { method, args } of held.splice(0)) Reflect.apply(original[method], res, args);
  };

  const intercept = (method: Method, args: unknown[]): unknown => {
    if (state === "released") return Reflect.apply(original[method], res, args);
    if (state === "holding" || state === "waiting") held.push({ method, args });
    if (state === "waiting") {
      state = "holding";
      const status = method === "writeHead" && typeof args[0] === "number" ? args[0] : res.statusCode;
      // `settle` never rejects (SessionHttp answers 500 for it); releasing still may.
      sent = settle(status)
        .then(release)
        .catch((error: unknown) => {
          onUnexpected(error);
          res.destroy();
        });
    }
    // What Node's methods return: `write` says "keep writing", the others give the response.
    if (method === "write") return true;
    return method === "flushHeaders" ? undefined : res;
  };

  for (const method of METHODS) {
    Object.defineProperty(res, method, {
      configurable: true,
      writable: true,
      value: (...args: unknown[]) => intercept(method, args),
    });
  }
  return () => sent;
}

function replace(
  res: ServerResponse,
  outcome: ReplacedOutcome,
  original: Pick<ServerResponse, "writeHead" | "end">,
): void {
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  const headers: [string, string][] = [
    ...replacementHeaders(outcome),
    ["Content-Length", String(Buffer.byteLength(outcome.message))],
  ];
  // Through the originals: `end` alone would call the (now dropping) `writeHead` wrapper.
  // The reason phrase too: the application's (say "Internal Server Error") would stay otherwise.
  Reflect.apply(original.writeHead, res, [outcome.status, STATUS_CODES[outcome.status], headers.flat()]);
  Reflect.apply(original.end, res, [outcome.message]);
}
