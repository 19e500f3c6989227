/**
 * Whether `test` holds for `error` or for anything it wraps: its `cause`s, and Prisma's
 * `meta.driverAdapterError`, where the driver's own verdict (code, kind, message) ends up.
 */
export function inErrorChain(error: unknown, test: (link: object) => boolean): boolean {
  const queue: unknown[] = [error];
  const seen = new Set<object>();
  while (queue.length > 0) {
    const next = queue.shift();
    if (typeof next !== "object" || next === null || seen.has(next)) continue;
    seen.add(next);
    if (test(next)) return true;
    queue.push(Reflect.get(next, "cause"), Reflect.get(next, "meta"), Reflect.get(next, "driverAdapterError"));
  }
  return false;
}
