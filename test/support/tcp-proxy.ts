// A TCP proxy on loopback that a test controls, in front of a real database server: it forwards,
// stops (drops every connection and refuses new ones), freezes (keeps connections open but passes
// nothing, like a hung server) and thaws. Fault tests use it instead of stopping or freezing the
// shared server, which other test files use at the same time.
import { once } from "node:events";
import { connect, createServer, type Server, type Socket } from "node:net";

export type ProxyState = "forwarding" | "frozen" | "stopped";

export interface TcpProxy {
  readonly port: number;
  readonly state: ProxyState;
  /** Drops every connection and refuses new ones until {@link start}. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  /** Keeps connections (and accepts new ones) but passes no byte either way until {@link thaw}. */
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  server: Socket;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let state: ProxyState = "forwarding";

  const pipe = (from: Socket, to: Socket): void => {
    from.on("data", (chunk: Buffer) => {
      // Frozen: the chunk is held back (paused sockets buffer the rest) until thawed.
      if (!to.write(chunk)) from.pause();
    });
    to.on("drain", () => {
      if (state === "forwarding") from.resume();
    });
  };

  const accept = (client: Socket): void => {
    const server = connect(target.port, target.host);
    const pair = { client, server };
    pairs.add(pair);
    const end = () => {
      client.destroy();
      server.destroy();
      pairs.delete(pair);
    };
    client.on("error", end).on("close", end);
    server.on("error", end).on("close", end);
    if (state === "frozen") {
      client.pause();
      server.pause();
    }
    pipe(client, server);
    pipe(server, client);
  };

  let listener: Server = createServer(accept);
  listener.listen(0, "127.0.0.1");
  await once(listener, "listening");
  const address = listener.address();
  if (address === null || typeof address === "string") throw new Error("the proxy has no port");
  const { port } = address;

  const dropAll = () => {
    for (const { client, server } of pairs) {
      client.destroy();
      server.destroy();
    }
    pairs.clear();
  };

  return {
    port,
    get state() {
      return state;
    },
    stop: async () => {
      state = "stopped";
      dropAll();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
    start: async () => {
      listener = createServer(accept);
      listener.listen(port, "127.0.0.1");
      await once(listener, "listening");
      state = "forwarding";
    },
    freeze: () => {
      state = "frozen";
      for (const { client, server } of pairs) {
        client.pause();
        server.pause();
      }
    },
    thaw: () => {
      state = "forwarding";
      for (const { client, server } of pairs) {
        client.resume();
        server.resume();
      }
    },
    close: async () => {
      dropAll();
      if (state !== "stopped") await new Promise<void>((resolve) => listener.close(() => resolve()));
      state = "stopped";
    },
  };
}
