// biome-ignore-all lint/correctness: a prelude declares what the block after it uses
// The request's session, opened as the API guide's previous fragment does.
const session = sessions.open(cookies.session_id);
