"use server";

import { redirect } from "next/navigation";
import { getSession, sessions } from "../lib/sessions";

/** Sign in: a new key for the session (against fixation), keeping its data, and its owner recorded. */
export async function signIn(form: FormData): Promise<void> {
  const user = String(form.get("user") ?? "").trim();
  if (user === "") return;
  const session = await getSession();
  await session.assignNewSessionKey();
  session.userId = user;
  session.set("user", user);
  await session.save();
  redirect("/");
}

export async function signOut(): Promise<void> {
  const session = await getSession();
  await session.destroy();
  redirect("/");
}

/** Ends every other session of the signed-in user. */
export async function signOutOtherDevices(): Promise<void> {
  const session = await getSession();
  await session.load();
  const user = session.userId;
  if (user !== null) await sessions.manager.destroyUserSessions(user, { except: session });
  redirect("/");
}
