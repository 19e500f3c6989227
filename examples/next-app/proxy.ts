import { type NextRequest, NextResponse } from "next/server";
import { databaseReady } from "./lib/prisma";
import { sessions } from "./lib/sessions";

// Page requests (GET/HEAD) refresh the session cookie and its idle deadline here, before Server
// Components render (they cannot send cookies). Writes happen in Server Actions and Route Handlers.
export async function proxy(request: NextRequest) {
  await databaseReady();
  return sessions.refresh(request, NextResponse.next());
}

export const config = {
  // Pages only: not static files, images or the API routes (which settle their own sessions).
  matcher: ["/((?!api|_next/static|_next/image|favicon.ico).*)"],
};
