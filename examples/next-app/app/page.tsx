import { getSession, sessions } from "../lib/sessions";
import { signIn, signOut, signOutOtherDevices } from "./actions";

export const dynamic = "force-dynamic";

// A Server Component: it reads the session; the proxy has already refreshed its cookie.
export default async function Home() {
  const session = await getSession();
  await session.load();
  const user = session.userId;
  const devices = user === null ? [] : await sessions.manager.listUserSessions(user);
  return (
    <main>
      <h1>prisma-sessions on Next.js</h1>
      {user === null ? (
        <form id="sign-in" action={signIn}>
          <input name="user" placeholder="your name" required />
          <button type="submit">Sign in</button>
        </form>
      ) : (
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
                {device.id.slice(0, 12)}… {device.id === session.id ? "(this device)" : ""} until{" "}
                {device.expiresAt.toISOString()}
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
      )}
    </main>
  );
}
