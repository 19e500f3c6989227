import { SessionError } from "prisma-sessions";
import { getSession } from "../../lib/sessions";

export const dynamic = "force-dynamic";

// Server Components cannot send cookies: a write says so with a typed error instead of failing silently.
export default async function ReadOnly() {
  const session = await getSession();
  await session.load();
  let outcome = "saved";
  try {
    session.set("visited", true);
    await session.save();
  } catch (error) {
    outcome = error instanceof SessionError ? error.code : "unexpected error";
  }
  return <p id="outcome">{outcome}</p>;
}
