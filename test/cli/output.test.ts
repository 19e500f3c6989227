import { describe, expect, it } from "@jest/globals";
import { duration, ProgressReporter } from "../../src/cli/output.js";

function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, isTTY, write: (text: string) => writes.push(text) };
}

describe("progress on stderr", () => {
  it("on a terminal, one live line redrawn at most ten times a second, cleared at the end", () => {
    const out = stream(true);
    const reporter = new ProgressReporter(out, 5000);
    reporter.update({ deleted: 1000, batches: 1, elapsedMs: 120 });
    reporter.update({ deleted: 2000, batches: 2, elapsedMs: 180 });
    reporter.update({ deleted: 3000, batches: 3, elapsedMs: 230 });
    reporter.finish();
    expect(out.writes).toEqual([
      "\r\x1b[Kcleanup: 1,000 sessions deleted in 1 batch (120 ms, 8,333 rows/s)",
      "\r\x1b[Kcleanup: 3,000 sessions deleted in 3 batches (230 ms, 13,043 rows/s)",
      "\r\x1b[K",
    ]);
  });

  it("elsewhere, a line per interval and nothing to clear", () => {
    const out = stream(false);
    const reporter = new ProgressReporter(out, 5000);
    for (const elapsedMs of [1000, 4999, 5000, 9000, 10_500]) {
      reporter.update({ deleted: elapsedMs, batches: 1, elapsedMs });
    }
    reporter.finish();
    expect(out.writes).toEqual([
      "cleanup: 5,000 sessions deleted in 1 batch (5.0 s, 1,000 rows/s)\n",
      "cleanup: 10,500 sessions deleted in 1 batch (10.5 s, 1,000 rows/s)\n",
    ]);
  });

  it.each([
    [850, "850 ms"],
    [12_340, "12.3 s"],
    [245_000, "4 min 05 s"],
    [18_120_000, "5 h 02 min"],
    [273_600_000, "3 d 4 h"],
  ])("%d ms reads %s", (ms, text) => {
    expect(duration(ms)).toBe(text);
  });
});
