export type { Clock } from "./clock.js";
export type { SessionConnector, SessionSummary, SessionWrite, StoredSession } from "./connector.js";
export { MemoryConnector, type MemoryConnectorOptions } from "./connectors/memory.js";
export type { Duration } from "./duration.js";
export {
  ConfigError,
  ConnectorError,
  SessionConflict,
  SessionError,
  type SessionErrorCode,
  type SessionErrorOptions,
  SessionExpired,
  SessionInterrupted,
  SessionReadOnly,
} from "./errors.js";
export type { ExpiryInput } from "./expiry.js";
export { hashSessionKey, isValidSessionKey } from "./keys.js";
export type { ResolvedSessionOptions, SessionLogger, SessionOptions } from "./options.js";
export { jsonSerializer, type Serializer } from "./serializer.js";
export { SessionManager } from "./session-manager.js";
export { type SessionData, SessionStore } from "./session-store.js";
