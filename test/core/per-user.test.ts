import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { SessionInterrupted, SessionManager, type SessionStore } from "../../src/index.js";
import { manualClock } from "../integrations/helpers.js";
import { type Backend, backendNames, openBackend } from "../support/backends.js";

describe.each(backendNames)("per-user sessions on %s", (name) => {
  let backend: Backend;
  let sessions: SessionManager;
  let counter = 0;
  // Each sign-in happens a second after the previous one, so "oldest first" follows the order the
  // test signs in (within one millisecond the order would fall to the sessions' random ids).
  const time = manualClock(new Date());

  beforeAll(async () => {
    backend = await openBackend(name);
    sessions = new SessionManager({ connector: backend.connector, clock: time.clock });
  });
  afterAll(() => backend.close());

  function uniqueUser(): string {
    counter += 1;
    return `user-${name}-${counter}-${Math.random().toString(36).slice(2)}`;
  }

  async function signedIn(userId: string): Promise<SessionStore> {
    time.advance(1000);
    const s = sessions.open(null);
    s.userId = userId;
    s.set("name", userId);
    await s.save();
    return s;
  }

  it("the owner is stored in its own column and survives reloads", async () => {
    const user = uniqueUser();
    const s = await signedIn(user);
    expect((await backend.readRow(s.id ?? ""))?.userId).toBe(user);
    const again = sessions.open(s.sessionKey);
    await again.load();
    expect(again.userId).toBe(user);
  });

  it("lists a user's live sessions, oldest first, without their data", async () => {
    const user = uniqueUser();
    const laptop = await signedIn(user);
    const phone = await signedIn(user);
    await signedIn(uniqueUser());
    const list = await sessions.listUserSessions(user);
    expect(list.map((s) => s.id)).toEqual([laptop.id, phone.id]);
    expect(list[0]).not.toHaveProperty("data");
    expect(list[0]?.userId).toBe(user);
  });

  it("log out everywhere destroys all of the user's sessions and no one else's", async () => {
    const user = uniqueUser();
    const other = await signedIn(uniqueUser());
    const a = await signedIn(user);
    await signedIn(user);
    expect(await sessions.destroyUserSessions(user)).toBe(2);
    expect(await sessions.listUserSessions(user)).toEqual([]);
    expect(await other.exists()).toBe(true);
    a.set("x", 1);
    await expect(a.save()).rejects.toThrow(SessionInterrupted);
  });

  it("log out other devices keeps the current session", async () => {
    const user = uniqueUser();
    await signedIn(user);
    await signedIn(user);
    const current = await signedIn(user);
    expect(await sessions.destroyUserSessions(user, { except: current })).toBe(2);
    expect((await sessions.listUserSessions(user)).map((s) => s.id)).toEqual([current.id]);
  });

  it("one device can be signed out by its listed id", async () => {
    const user = uniqueUser();
    const laptop = await signedIn(user);
    const phone = await signedIn(user);
    await sessions.destroySessionById(phone.id ?? "");
    await sessions.destroySessionById(phone.id ?? "");
    expect((await sessions.listUserSessions(user)).map((s) => s.id)).toEqual([laptop.id]);
    expect(sessions.idOf(laptop.sessionKey ?? "")).toBe(laptop.id);
    expect(sessions.idOf("nope")).toBeNull();
  });

  it("signing out clears the owner", async () => {
    const user = uniqueUser();
    const s = await signedIn(user);
    s.userId = null;
    await s.save();
    expect(await sessions.listUserSessions(user)).toEqual([]);
    expect((await backend.readRow(s.id ?? ""))?.userId).toBeNull();
  });
});
