// The express-session path: every system behind express-session's Store API, called the way
// express-session calls a store for a request (get, createSession, the cookie's maxAge reset, then
// set of `req.session` when it changed, or touch when it did not). `copy` instead hands set and
// touch a JSON copy of the session, a session object the store did not read (what a harness that
// calls the Store API without createSession does).

import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaSessionStore } from "@quixo3/prisma-session-store";
import connectPgSimple from "connect-pg-simple";
import expressSession, { type SessionData, type Store } from "express-session";
import { PrismaClient as QuixoClient } from "../../prisma/generated/quixo/client.js";
import { ExpressSessionStore } from "../../src/integrations/express-store.js";
import { CPS_TABLE, countedPool, SCHEMA } from "./database.js";
import type { Loaded, Subject } from "./measure.js";
import { PlainPrismaStore, RawPgStore } from "./stores.js";
import { benchClient, CONNECTOR_NAMES, type ConnectorKind, inventoryConnector } from "./subjects.js";

type Request = Parameters<Store["createSession"]>[0];

/** The one field of the request express-session's createSession and Session read. */
function fakeRequest(sessionID: string): Request {
  // createSession only stores the request on the Session and reads `sessionID`: a full
  // express Request would be built and never used.
  return { sessionID } as unknown as Request;
}

function settle(work: (callback: (error?: unknown) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => work((error) => (error ? reject(error) : resolve())));
}

/** How express-session drives `store` for one request, from get to set or touch. */
function harness(store: Store, copy: boolean): (key: string) => Promise<Loaded> {
  return async (key) => {
    const data = await new Promise<SessionData | null | undefined>((resolve, reject) =>
      store.get(key, (error: unknown, value?: SessionData | null) => (error ? reject(error) : resolve(value))),
    );
    if (!data) throw new Error("benchmark session not found: the seed is broken");
    const session = store.createSession(fakeRequest(key), data);
    session.touch();
    const given = (): SessionData => (copy ? JSON.parse(JSON.stringify(session)) : session);
    return {
      save: (value) => {
        Reflect.set(session, "counter", value);
        return settle((done) => store.set(key, given(), done));
      },
      touch: () =>
        settle((done) => {
          if (store.touch === undefined) throw new Error("the store has no touch");
          store.touch(key, given(), () => done());
        }),
    };
  };
}

export interface ExpressOptions {
  url: string;
  max: number;
  keys: readonly string[];
  copy: boolean;
}

function subject(
  name: string,
  options: ExpressOptions,
  make: (pool: ReturnType<typeof countedPool>) => {
    store: Store;
    close: () => Promise<void>;
  },
): Subject {
  const counted = countedPool(options.url, options.max);
  const { store, close } = make(counted);
  return {
    name,
    counted,
    keys: options.keys,
    open: harness(store, options.copy),
    close: async () => {
      await close();
      await counted.pool.end();
    },
  };
}

/** The baseline: raw `pg`, one statement per Store call (get SELECT, set upsert, touch UPDATE). */
export function rawStore(options: ExpressOptions): Subject {
  return subject("raw pg Store (1 statement per call)", options, ({ pool }) => ({
    store: new RawPgStore(pool),
    close: async () => {},
  }));
}

export function connectPgSimpleStore(options: ExpressOptions): Subject {
  const PgStore = connectPgSimple(expressSession);
  return subject("connect-pg-simple", options, ({ pool }) => {
    const store = new PgStore({ pool, schemaName: SCHEMA, tableName: CPS_TABLE, pruneSessionInterval: false });
    return { store, close: async () => store.close() };
  });
}

export function quixoStore(options: ExpressOptions): Subject {
  return subject("@quixo3/prisma-session-store", options, ({ pool }) => {
    const prisma = new QuixoClient({ adapter: new PrismaPg(pool, { schema: SCHEMA }), errorFormat: "minimal" });
    const store = new PrismaSessionStore(prisma, { dbRecordIdIsSessionId: true, logger: false });
    return {
      store,
      close: async () => {
        await store.shutdown();
        await prisma.$disconnect();
      },
    };
  });
}

export function plainPrismaStore(options: ExpressOptions): Subject {
  return subject("plain Prisma model calls (findUnique/upsert/update)", options, ({ pool }) => {
    const prisma = benchClient(pool);
    return { store: new PlainPrismaStore(prisma), close: () => prisma.$disconnect() };
  });
}

export function oursStore(options: ExpressOptions, kind: ConnectorKind): Subject {
  return subject(`ExpressSessionStore + ${CONNECTOR_NAMES[kind]}`, options, ({ pool }) => {
    const prisma = benchClient(pool);
    const connector = inventoryConnector(kind, prisma, pool);
    if (connector === null) throw new Error(`${kind} cannot back ExpressSessionStore`);
    return { store: new ExpressSessionStore({ connector }), close: () => prisma.$disconnect() };
  });
}
