import { SessionError } from "prisma-sessions";
import { Suspense } from "react";
import { getSession } from "../../lib/sessions";

export default function ReadOnlyPage() {
  return (
    <Suspense fallback={<p>Loading…</p>}>
      <ReadOnly />
    </Suspense>
  );
}

// Server Components cannot send cookies: a write says so with a typed error instead of failing silently.
async function ReadOnly() {
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
