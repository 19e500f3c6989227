import type { SessionConnector } from "./connector.js";

const queues = new WeakMap<SessionConnector, Map<string, Promise<void>>>();

/**
 * Runs saves of the same row one after another within this process. Parallel requests from one
 * browser usually land on the same process: queueing them turns a burst of compare-and-swap
 * losers (each retrying against all the others) into at most one merge each. Writers in other
 * processes are still handled by compare-and-swap alone.
 */
export async function queueWrite<T>(connector: SessionConnector, id: string, task: () => Promise<T>): Promise<T> {
  let rows = queues.get(connector);
  if (rows === undefined) {
    rows = new Map();
    queues.set(connector, rows);
  }
  const previous = rows.get(id) ?? Promise.resolve();
  const run = previous.then(task);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  rows.set(id, tail);
  try {
    return await run;
  } finally {
    if (rows.get(id) === tail) rows.delete(id);
  }
}
