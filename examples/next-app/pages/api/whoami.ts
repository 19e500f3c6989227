import type { NextApiRequest, NextApiResponse } from "next";
import { databaseReady } from "../../lib/prisma";
import { sessions } from "../../lib/sessions";

// A Pages Router API route: the session is saved and its cookie sent when the response ends.
const handler = sessions.withSession(async (req, res: NextApiResponse) => {
  await databaseReady();
  await req.session.load();
  const visits = Number(req.session.get("pagesVisits") ?? 0) + 1;
  req.session.set("pagesVisits", visits);
  res.status(200).json({ user: req.session.get("user") ?? null, pagesVisits: visits });
});

export default function whoami(req: NextApiRequest, res: NextApiResponse) {
  return handler(req, res);
}
