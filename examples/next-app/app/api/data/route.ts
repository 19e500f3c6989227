import { getSession } from "../../../lib/sessions";

// A Route Handler API: GET reads the session's data, POST { key, value } changes one key.
export async function GET(): Promise<Response> {
  const session = await getSession();
  return Response.json({ data: await session.load(), user: session.userId });
}

export async function POST(request: Request): Promise<Response> {
  const { key, value } = (await request.json()) as { key?: unknown; value?: unknown };
  if (typeof key !== "string" || key === "user") return Response.json({ error: "bad key" }, { status: 400 });
  const session = await getSession();
  await session.load();
  session.set(key, value);
  await session.save(); // compare-and-swap: parallel requests changing other keys are merged, not lost
  return Response.json({ data: session.toJSON() });
}
