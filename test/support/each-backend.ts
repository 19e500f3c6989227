// "The same test on every backend": a describe block per backend (the memory connector, and both
// Prisma connectors on each database) with the backend opened before its tests and closed after,
// and a SessionManager on it.
import { afterAll, beforeAll, describe } from "@jest/globals";
import { SessionManager, type SessionOptions, type SessionStore } from "../../src/index.js";
import { type Backend, type BackendName, backendNames, openBackend } from "./backends.js";

/** What the tests of one backend use; filled in before its first test runs. */
export interface BackendUnderTest {
  readonly name: BackendName;
  readonly backend: Backend;
  /** A manager on the backend with the block's options. */
  readonly sessions: SessionManager;
  /** Stores a new session holding `data` and returns its key. */
  storedKey(data: Record<string, unknown>): Promise<string>;
  /** A stored session holding `data`, reopened from its key (loaded, unmodified). */
  stored(data: Record<string, unknown>): Promise<SessionStore>;
}

/**
 * Registers `body` once per backend, in a describe block titled `title` (`%s` is the backend).
 * `options` are the manager's options besides the connector.
 */
export function describeEachBackend(
  title: string,
  body: (t: BackendUnderTest) => void,
  options: Omit<SessionOptions, "connector"> = {},
): void {
  describe.each(backendNames)(title, (name) => {
    let backend: Backend | undefined;
    let sessions: SessionManager | undefined;
    const opened = <T>(value: T | undefined): T => {
      if (value === undefined) throw new Error(`the ${name} backend is not open yet`);
      return value;
    };
    const t: BackendUnderTest = {
      name,
      get backend() {
        return opened(backend);
      },
      get sessions() {
        return opened(sessions);
      },
      async storedKey(data) {
        const s = t.sessions.open(null);
        s.update(data);
        await s.save();
        return s.sessionKey ?? "";
      },
      async stored(data) {
        const again = t.sessions.open(await t.storedKey(data));
        await again.load();
        return again;
      },
    };
    beforeAll(async () => {
      backend = await openBackend(name);
      sessions = new SessionManager({ ...options, connector: backend.connector });
    });
    afterAll(() => backend?.close());
    body(t);
  });
}
