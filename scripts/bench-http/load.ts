// The traffic of `npm run bench:http`: every autocannon connection is one browser with its own
// session cookie; each request reads the session (80 %), changes it (15 %) or logs in (5 %,
// which rotates the key). Responses' Set-Cookie replace the connection's cookie, as a browser's.
import autocannon from "autocannon";

export interface LoadResult {
  requestsPerSecond: number;
  /** Requests answered during the measurement. */
  requests: number;
  p99Ms: number;
  /** Responses other than 2xx, and socket errors or timeouts: all should be 0. */
  failures: number;
}

interface Browser {
  cookie?: string;
}

const MIX: readonly [number, "GET" | "POST", string][] = [
  [0.8, "GET", "/read"],
  [0.95, "POST", "/change"],
  [1, "POST", "/login"],
];

function pick(): { method: "GET" | "POST"; path: string } {
  const draw = Math.random();
  const [, method, path] = MIX.find(([upTo]) => draw < upTo) ?? MIX[0] ?? [1, "GET", "/read"];
  return { method, path };
}

function isBrowser(context: object): context is Browser {
  return typeof context === "object";
}

/** The `name=value` of each Set-Cookie (autocannon hands headers over with their raw names). */
function cookieOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  const entry = Object.entries(headers).find(([name]) => name.toLowerCase() === "set-cookie")?.[1];
  const values = entry === undefined ? [] : Array.isArray(entry) ? entry : [entry];
  const pairs = values.map((value) => value.split(";")[0] ?? "").filter((pair) => !/=$/.test(pair));
  return pairs.length === 0 ? undefined : pairs.join("; ");
}

/**
 * autocannon empties a connection's context each time it has gone through its `requests` list (to
 * start the sequence afresh), which with a one-entry list is after every request: the browser would
 * forget its cookie and every request would start a new session. The same entry repeated this many
 * times keeps the cookie for that many requests per connection (far more than a measurement makes).
 */
const SEQUENCE_LENGTH = 100_000;

export async function load(port: number, connections: number, seconds: number): Promise<LoadResult> {
  const request: autocannon.Request = {
    setupRequest: (request, context) => {
      const { method, path } = pick();
      const cookie = isBrowser(context) ? context.cookie : undefined;
      // The first request of a browser creates its session.
      const first = cookie === undefined;
      return {
        ...request,
        method: first ? "POST" : method,
        path: first ? "/change" : path,
        headers: { ...request.headers, ...(cookie === undefined ? {} : { cookie }) },
      };
    },
    onResponse: (_status, _body, context, headers) => {
      const cookie = cookieOf(headers ?? {});
      if (cookie !== undefined && isBrowser(context)) context.cookie = cookie;
    },
  };
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: seconds,
    requests: Array.from({ length: SEQUENCE_LENGTH }, () => request),
  });
  return {
    requestsPerSecond: result.requests.average,
    requests: result.requests.total,
    p99Ms: result.latency.p99,
    failures: result.non2xx + result.errors + result.timeouts,
  };
}
