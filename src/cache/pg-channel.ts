import { INVALIDATION_CHANNEL, listenStatement, notifyStatement } from "../sql/invalidation.js";
import type { ChannelEvents, InvalidationChannel } from "./channel.js";

/** The parts of a `pg` Pool the channel uses (the pool your `PrismaPg` adapter was built on). */
export interface PgNotifyPool {
  connect(): Promise<PgListenClient>;
  query(sql: string, values?: unknown[]): Promise<unknown>;
}

/** The parts of a `pg` PoolClient the channel uses. */
export interface PgListenClient {
  query(sql: string): Promise<unknown>;
  on(event: "notification", listener: (message: { channel: string; payload?: string | undefined }) => void): unknown;
  on(event: "error" | "end", listener: (error?: Error) => void): unknown;
  release(error?: Error | boolean): void;
}

/** Options of {@link pgInvalidation}. */
export interface PgInvalidationOptions {
  pool: PgNotifyPool;
  /** The channel name (the trigger's, see `ensureInvalidationTrigger`). @default "prisma_sessions" */
  channel?: string;
  /** Milliseconds between attempts to subscribe again after the connection was lost. @default 500 */
  retryMs?: number;
}

/**
 * Invalidations through PostgreSQL LISTEN/NOTIFY: one pooled connection held for LISTEN, the
 * trigger of `ensureInvalidationTrigger` announcing every change of a live row (by any process,
 * the command line and log-out-everywhere included), heartbeats through `pg_notify`. Needs a
 * direct or session-pooled connection: a transaction pooler (PgBouncer's transaction mode) does
 * not keep LISTEN.
 */
export function pgInvalidation(options: PgInvalidationOptions): InvalidationChannel {
  const channel = options.channel ?? INVALIDATION_CHANNEL;
  const retryMs = options.retryMs ?? 500;
  let client: PgListenClient | null = null;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  const subscribe = async (events: ChannelEvents): Promise<void> => {
    if (closed) return;
    try {
      const next = await options.pool.connect();
      let lost = false;
      const drop = (error?: Error) => {
        if (lost) return;
        lost = true;
        client = null;
        if (closed) return; // close() released it already
        events.state(false);
        next.release(error ?? true); // a broken connection is not given back to the pool
        timer = setTimeout(() => void subscribe(events), retryMs);
      };
      next.on("notification", (message) => {
        if (message.channel === channel && message.payload !== undefined) events.message(message.payload);
      });
      next.on("error", drop);
      next.on("end", drop);
      await next.query(listenStatement(channel));
      client = next;
      events.state(true);
    } catch {
      events.state(false);
      if (!closed) timer = setTimeout(() => void subscribe(events), retryMs);
    }
  };

  return {
    announcesChanges: true,
    start: subscribe,
    publish: async (text) => {
      const { sql, args } = notifyStatement(text, channel);
      await options.pool.query(sql, args);
    },
    close: async () => {
      closed = true;
      clearTimeout(timer);
      client?.release(true);
      client = null;
    },
  };
}
