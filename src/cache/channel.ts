// The invalidation channel a session cache listens on: what it must deliver, and in what order.

/** What a channel tells the cache. */
export interface ChannelEvents {
  /** A message arrived: an invalidation (`i:<id>`, `u:<userId>`) or a heartbeat (`p:<token>`). */
  message(text: string): void;
  /** The subscription is up (`true`, after each (re)subscription) or down (`false`). */
  state(live: boolean): void;
}

/**
 * A publish/subscribe channel for cache invalidations. It MUST deliver every message published
 * after a subscription was established to that subscription, in the order the broker received
 * them (PostgreSQL NOTIFY: commit order; Redis pub/sub: the server's order): the cache's staleness
 * bound rests on a heartbeat arriving only after every message published before it.
 */
export interface InvalidationChannel {
  /** Subscribes; calls `events.state(true)` once subscribed, and keeps reconnecting after a loss. */
  start(events: ChannelEvents): Promise<void>;
  publish(text: string): Promise<void>;
  /** Whether the database itself announces every change of a row (a trigger): then the cache need not. */
  readonly announcesChanges: boolean;
  close(): Promise<void>;
}
