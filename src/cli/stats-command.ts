import { displayTable } from "../sql/table-name.js";
import type { TableStats } from "../storage/sql-session-table.js";
import type { StatsArgs } from "./args.js";
import type { Database } from "./connect.js";
import { describeError } from "./errors.js";
import { EXIT } from "./exit-codes.js";
import { type CliIo, count, duration } from "./output.js";

function ago(date: Date, now: Date): string {
  const ms = now.getTime() - date.getTime();
  return ms >= 0 ? `${duration(ms)} ago` : `in ${duration(-ms)}`;
}

function human(stats: TableStats, table: string, provider: string, now: Date): string {
  const rows: [string, string][] = [
    ["live", count(stats.live)],
    ["expired, not deleted", count(stats.expired)],
    [
      "oldest deadline",
      stats.oldestDeadline === null ? "-" : `${stats.oldestDeadline.toISOString()} (${ago(stats.oldestDeadline, now)})`,
    ],
  ];
  const lines = [
    `Sessions in ${table} (${provider})`,
    ...rows.map(([label, value]) => `  ${label.padEnd(22)}${value}`),
  ];
  if (stats.topUsers.length === 0) {
    lines.push("No live session has a user.");
  } else {
    lines.push("Users with the most live sessions");
    const width = Math.max(...stats.topUsers.map(({ userId }) => userId.length));
    for (const { userId, sessions } of stats.topUsers) lines.push(`  ${userId.padEnd(width)}  ${count(sessions)}`);
  }
  return `${lines.join("\n")}\n`;
}

/** `prisma-sessions stats`: what the sessions table holds. Returns the exit code. */
export async function runStatsCommand(args: StatsArgs, db: Database, io: CliIo): Promise<number> {
  const table = displayTable(db.table);
  let now = new Date();
  let stats: TableStats;
  try {
    now = await db.sessions.currentTime(); // live and expired by the database's clock, as cleanup decides
    stats = await db.sessions.stats(now, args.top);
  } catch (error) {
    const words = describeError(error);
    io.stderr.write(`prisma-sessions stats failed: ${words}\n`);
    if (args.json) io.stdout.write(`${JSON.stringify({ command: "stats", table, error: words })}\n`);
    return EXIT.failed;
  }
  if (args.json) {
    io.stdout.write(`${JSON.stringify({ command: "stats", provider: db.provider, table, now, ...stats })}\n`);
  } else if (!args.quiet) {
    io.stdout.write(human(stats, table, db.provider, now));
  }
  return EXIT.ok;
}
