import type { SessionConnector } from "./connector.js";
import { ConnectorError, SessionError } from "./errors.js";
import type { ResolvedSessionOptions } from "./options.js";

/**
 * Runs one connector call, the single place where storage failures become `ConnectorError`
 * (with the driver's error as `cause`) and get logged. Connectors stay thin and never wrap.
 */
export async function callConnector<T>(
  options: ResolvedSessionOptions,
  operation: string,
  call: (connector: SessionConnector) => Promise<T>,
): Promise<T> {
  try {
    return await call(options.connector);
  } catch (error) {
    if (error instanceof SessionError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    options.logger.error?.(`session storage failed during ${operation}`, { operation, error: reason });
    throw new ConnectorError(`Session storage failed during ${operation}: ${reason}`, { cause: error });
  }
}
