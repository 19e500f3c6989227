import { Suspense } from "react";
import { getSession, sessions } from "../lib/sessions";
import { signIn, signOut, signOutOtherDevices } from "./actions";

// Under cacheComponents the page is a prerendered static shell; the session is runtime data
// (it reads cookies()), so the part that uses it renders per request inside <Suspense>.
export default function Home() {
  return (
    <main>
      <h1>prisma-sessions on Next.js</h1>
      <Suspense fallback={<p>Loading your session…</p>}>
        <Account />
      </Suspense>
    </main>
  );
}

// A Server Component: it reads the session; the proxy has already refreshed its cookie.
async function Account() {
  const session = await getSession();
  await session.load();
  const user = session.userId;
  if (user === null) {
    return (
      <form id="sign-in" action={signIn}>
        <input name="user" placeholder="your name" required />
        <button type="submit">Sign in</button>
      </form>
    );
  }
  const devices = await sessions.manager.listUserSessions(user);
  return (
    <>
      <p id="signed-in">
        Signed in as <strong>{user}</strong>
      </p>
      <pre id="data">{JSON.stringify(session.toJSON())}</pre>
      <p>Session expires {session.getExpiryDate().toISOString()}</p>
      <h2>Your devices</h2>
      <ul id="devices">
        {devices.map((device) => (
          <li key={device.id}>
            {device.device.name} {device.id === session.id ? "(this device)" : ""}, last seen{" "}
            {device.lastSeenAt.toISOString()}, until {device.expiresAt.toISOString()}
          </li>
        ))}
      </ul>
      <form id="sign-out-others" action={signOutOtherDevices}>
        <button type="submit">Sign out other devices</button>
      </form>
      <form id="sign-out" action={signOut}>
        <button type="submit">Sign out</button>
      </form>
    </>
  );
}
