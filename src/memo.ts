/**
 * A promise made once and shared, until it rejects: after a failure (the database was down) the
 * next call makes it again instead of repeating the old error forever.
 */
export function memoizeUntilFailure<T>(make: () => Promise<T>): () => Promise<T> {
  let cached: Promise<T> | undefined;
  return () => {
    cached ??= make().catch((error: unknown) => {
      cached = undefined;
      throw error;
    });
    return cached;
  };
}
