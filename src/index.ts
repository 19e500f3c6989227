export type { Clock } from "./clock.js";
export type {
  ClientInfo,
  SessionConnector,
  SessionInventory,
  SessionSummary,
  SessionWrite,
  StoredSession,
} from "./connector.js";
export { isRotationMarker } from "./connector.js";
export { MemoryConnector, type MemoryConnectorOptions } from "./connectors/memory.js";
export { type DeviceInfo, describeDevice } from "./devices.js";
export type { Duration } from "./duration.js";
export {
  ConfigError,
  ConnectorError,
  DataRejected,
  type InterruptionReason,
  SessionConflict,
  SessionError,
  type SessionErrorCode,
  type SessionErrorOptions,
  SessionExpired,
  SessionInterrupted,
  SessionReadOnly,
  StorageTimeout,
  UnserializableValue,
} from "./errors.js";
export type { ExpiryInput } from "./expiry.js";
export { hashSessionKey, isValidSessionKey } from "./keys.js";
export { jsonSerializer, type Serializer } from "./serializer.js";
export type { SessionHooks, StoreContext, StoreOperation } from "./session-hooks.js";
export { SessionManager, type UserSession } from "./session-manager.js";
export type { ResolvedSessionOptions, SessionLogger, SessionOptions } from "./session-options.js";
export { type SessionData, SessionStore } from "./session-store.js";
export { MAX_USER_ID_LENGTH } from "./user-id.js";
