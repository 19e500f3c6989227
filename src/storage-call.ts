import type { SessionConnector } from "./connector.js";
import { ConnectorError, DataRejected, SessionError, StorageTimeout } from "./errors.js";
import type { ResolvedSessionOptions } from "./session-options.js";
import { isDataError } from "./storage-errors.js";

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Rejects with `StorageTimeout` after `ms` (never when `ms` is 0), unless `work` settles first. */
function withTimeout<T>(work: Promise<T>, ms: number, operation: string): Promise<T> {
  if (ms === 0) return work;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new StorageTimeout(`Session storage did not answer within ${ms} ms during ${operation}`));
    }, ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs one connector call, the single place where storage failures become typed errors (with the
 * driver's error as `cause`): a value the database refused is `DataRejected`; anything else, and a
 * call that outlives `operationTimeout`, is `ConnectorError`. Connectors stay thin and never wrap.
 * It logs at debug level only: the caller gets the error, and the HTTP layer logs once per request.
 */
export async function callConnector<T>(
  options: ResolvedSessionOptions,
  operation: string,
  call: (connector: SessionConnector) => Promise<T>,
): Promise<T> {
  try {
    // A connector that throws synchronously is failing like one that rejects.
    return await withTimeout(
      Promise.resolve().then(() => call(options.connector)),
      options.operationTimeoutMs,
      operation,
    );
  } catch (error) {
    if (error instanceof SessionError) throw error;
    const reason = reasonOf(error);
    options.logger.debug?.(`session storage failed during ${operation}`, { operation, error: reason });
    if (isDataError(error)) {
      throw new DataRejected(`The database refused a value of this session during ${operation}: ${reason}`, {
        cause: error,
      });
    }
    throw new ConnectorError(`Session storage failed during ${operation}: ${reason}`, { cause: error });
  }
}
