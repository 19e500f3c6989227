import type { ChannelEvents, InvalidationChannel } from "./channel.js";

/** A node-redis (v4/v5) client as the channel uses it, declared structurally. */
export interface RedisPublisher {
  publish(channel: string, message: string): Promise<unknown>;
}

/** A node-redis client in subscriber mode (a connection of its own: `client.duplicate()`). */
export interface RedisSubscriber {
  subscribe(channel: string, listener: (message: string) => void): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  on(event: "error" | "end" | "ready", listener: (...args: unknown[]) => void): unknown;
}

/** Options of {@link redisInvalidation}. */
export interface RedisInvalidationOptions {
  publisher: RedisPublisher;
  subscriber: RedisSubscriber;
  /** @default "prisma_sessions" */
  channel?: string;
}

/**
 * Invalidations through Redis pub/sub, for apps that have Redis. Redis cannot see the database:
 * only writes made through a cached connector are announced (each publishes what it changed), so
 * every process that writes sessions must use one. The subscriber needs its own connection.
 */
export function redisInvalidation(options: RedisInvalidationOptions): InvalidationChannel {
  const channel = options.channel ?? "prisma_sessions";
  const { subscriber } = options;
  return {
    announcesChanges: false,
    start: async (events: ChannelEvents) => {
      // node-redis resubscribes by itself after a reconnect; "ready" follows it.
      subscriber.on("error", () => events.state(false));
      subscriber.on("end", () => events.state(false));
      subscriber.on("ready", () => events.state(true));
      try {
        await subscriber.subscribe(channel, (message) => events.message(message));
        events.state(true);
      } catch {
        events.state(false);
      }
    },
    publish: async (text) => {
      await options.publisher.publish(channel, text);
    },
    close: async () => {
      await subscriber.unsubscribe(channel).catch(() => {});
    },
  };
}
