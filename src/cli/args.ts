import { parseArgs } from "node:util";
import { DEFAULT_BATCH_SIZE } from "../cleanup/cleanup-options.js";
import { UsageError } from "./errors.js";

/** Flags every command takes. */
export interface CommonArgs {
  databaseUrl: string;
  table: string;
  json: boolean;
  quiet: boolean;
}

export interface CleanupArgs extends CommonArgs {
  command: "cleanup";
  batchSize: number;
  maxRuntimeMs: number | undefined;
  dryRun: boolean;
  lock: boolean;
  progressIntervalMs: number;
}

export interface StatsArgs extends CommonArgs {
  command: "stats";
  top: number;
}

export type Args = CleanupArgs | StatsArgs | { command: "help" };

export const HELP = `Usage: prisma-sessions <command> [flags]

Commands:
  cleanup   delete expired sessions in batches (for cron)
  stats     live and expired sessions, the oldest deadline, the users with most sessions

Flags:
  --database-url <url>       postgres://, postgresql://, mysql://, mariadb:// or file: (SQLite)
                             default: $DATABASE_URL. A Prisma-style ?schema= picks the PostgreSQL schema
  --table <name>             the sessions table, or schema.table (default: sessions)
  --json                     print one JSON object on stdout instead of text
  --quiet                    print nothing but errors (cron mails only failures)
  -h, --help                 show this help

cleanup:
  --batch-size <n>           rows per delete statement (default: ${DEFAULT_BATCH_SIZE})
  --max-runtime <duration>   stop between batches after this long: 90s, 5m, 1h30m, 500ms (bare number: seconds)
  --dry-run                  count the expired sessions, delete nothing
  --lock                     skip the run (exit 3) if another cleanup of this table holds the lock
                             (PostgreSQL advisory lock, MySQL GET_LOCK; SQLite needs none)
  --progress-interval <d>    a progress line on stderr this often (default: 5s; 0: every batch);
                             on a terminal, a live line instead

stats:
  --top <n>                  how many users to list (default: 10)

Exit codes: 0 done, 1 failed (database error), 2 bad usage, 3 another runner holds the lock,
130/143 interrupted by SIGINT/SIGTERM (the current batch finishes first).`;

const UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `5m`, `1h30m`, `500ms`; a bare number is seconds. */
export function parseDurationFlag(value: string, flag: string): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join("") !== value) {
    throw new UsageError(`${flag} takes a duration such as 90s, 5m or 1h30m, not "${value}"`);
  }
  return parts.reduce((total, [, amount, unit]) => total + Number(amount) * (UNITS_MS[unit ?? "s"] ?? 0), 0);
}

function positiveInteger(value: string, flag: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number < 1) {
    throw new UsageError(`${flag} takes a positive whole number, not "${value}"`);
  }
  return number;
}

const OPTIONS = {
  "database-url": { type: "string" },
  table: { type: "string", default: "sessions" },
  json: { type: "boolean", default: false },
  quiet: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
  "batch-size": { type: "string" },
  "max-runtime": { type: "string" },
  "dry-run": { type: "boolean", default: false },
  lock: { type: "boolean", default: false },
  "progress-interval": { type: "string" },
  top: { type: "string" },
} as const;

const ONLY_FOR: Record<string, "cleanup" | "stats"> = {
  "batch-size": "cleanup",
  "max-runtime": "cleanup",
  "dry-run": "cleanup",
  lock: "cleanup",
  "progress-interval": "cleanup",
  top: "stats",
};

function parse(argv: string[]): ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>> {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/**
 * Reads the command line (`argv` without node and the script) and the environment.
 * @throws UsageError for anything it cannot make sense of.
 */
export function parseCommandLine(argv: string[], env: Record<string, string | undefined>): Args {
  const { values, positionals } = parse(argv);
  if (values.help) return { command: "help" };
  const [command, ...extra] = positionals;
  if (command !== "cleanup" && command !== "stats") {
    throw new UsageError(command === undefined ? "No command given" : `Unknown command "${command}"`);
  }
  if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}"`);
  for (const [flag, owner] of Object.entries(ONLY_FOR)) {
    if (owner !== command && argv.some((arg) => arg === `--${flag}` || arg.startsWith(`--${flag}=`))) {
      throw new UsageError(`--${flag} belongs to the ${owner} command`);
    }
  }
  const databaseUrl = values["database-url"] ?? env.DATABASE_URL;
  if (databaseUrl === undefined || databaseUrl === "") {
    throw new UsageError("No database URL: pass --database-url or set DATABASE_URL");
  }
  const common = { databaseUrl, table: values.table, json: values.json, quiet: values.quiet };
  if (command === "stats") {
    return { command, ...common, top: values.top === undefined ? 10 : positiveInteger(values.top, "--top") };
  }
  const maxRuntime = values["max-runtime"];
  const maxRuntimeMs = maxRuntime === undefined ? undefined : parseDurationFlag(maxRuntime, "--max-runtime");
  if (maxRuntimeMs === 0) throw new UsageError("--max-runtime must be longer than zero");
  const interval = values["progress-interval"];
  return {
    command,
    ...common,
    batchSize:
      values["batch-size"] === undefined ? DEFAULT_BATCH_SIZE : positiveInteger(values["batch-size"], "--batch-size"),
    maxRuntimeMs,
    dryRun: values["dry-run"],
    lock: values.lock,
    progressIntervalMs: interval === undefined ? 5000 : parseDurationFlag(interval, "--progress-interval"),
  };
}
