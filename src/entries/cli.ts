#!/usr/bin/env node
// `npx prisma-sessions cleanup|stats`: the command-line entry. The work is done in src/cli/.
import { interruptedExit } from "../cli/exit-codes.js";
import { main } from "../cli/main.js";

const controller = new AbortController();
for (const name of ["SIGINT", "SIGTERM"] as const) {
  process.on(name, () => {
    // First signal: stop between batches and report. Second: stop now.
    if (controller.signal.aborted) process.exit(interruptedExit(name));
    controller.abort(name);
  });
}

main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: controller.signal,
})
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error: unknown) => {
    process.stderr.write(
      `prisma-sessions: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  });
