// biome-ignore-all lint/correctness: a prelude declares what the block after it uses
// The API guide's request fragments: its `sessions` (the block named sessions.ts), the request's
// cookies and the signed-in user.
import { sessions } from "./sessions.js";

declare const cookies: Record<string, string | undefined>;
declare const user: { id: string };
