export { CachedConnector } from "../cache/cached-connector.js";
export type { ChannelEvents, InvalidationChannel } from "../cache/channel.js";
export {
  type PgInvalidationOptions,
  type PgListenClient,
  type PgNotifyPool,
  pgInvalidation,
} from "../cache/pg-channel.js";
export {
  type RedisInvalidationOptions,
  type RedisPublisher,
  type RedisSubscriber,
  redisInvalidation,
} from "../cache/redis-channel.js";
export type { SessionCacheOptions } from "../cache/session-cache.js";
export {
  type EnsureInvalidationTriggerOptions,
  ensureInvalidationTrigger,
} from "../setup/ensure-invalidation-trigger.js";
