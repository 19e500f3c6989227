// Starting and stopping the Node servers the integration tests talk to.
import { Server as NodeServer, type Server } from "node:http";

/** Closes a server and the keep-alive connections supertest or the adapter left open. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

/** The HTTP/1 server an adapter made (they type it as any of Node's servers). */
export function httpServer(server: unknown): Server {
  if (!(server instanceof NodeServer)) throw new TypeError("expected a node:http Server");
  return server;
}
