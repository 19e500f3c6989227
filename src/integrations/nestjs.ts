import type { IncomingMessage, ServerResponse } from "node:http";
import {
  createParamDecorator,
  type DynamicModule,
  type ExecutionContext,
  type FactoryProvider,
  Inject,
  type MiddlewareConsumer,
  Module,
  type ModuleMetadata,
  type NestModule,
  type Provider,
} from "@nestjs/common";
import { HttpAdapterHost } from "@nestjs/core";
import type { FastifyInstance } from "fastify";
import { ConfigError } from "../errors.js";
import { SessionHttp } from "../http/session-http.js";
import { SessionManager } from "../session-manager.js";
import type { SessionData } from "../session-store.js";
import { type ExpressSessionOptions, requestSession, session } from "./express.js";
import { fastifySessionHooks } from "./fastify-hooks.js";

type MiddlewareRoutes = ReturnType<MiddlewareConsumer["apply"]>;

/** Options of {@link SessionModule}: the HTTP options (as for the Express middleware) plus the routes it runs on. */
export type SessionModuleOptions<Data extends SessionData = SessionData> = ExpressSessionOptions<Data> & {
  /** Routes (paths, controllers or `RouteInfo`s) the session middleware runs on. @default all routes ("*") */
  forRoutes?: Parameters<MiddlewareRoutes["forRoutes"]>;
  /** Routes left without a session (health checks, static files). @default none */
  exclude?: Parameters<MiddlewareRoutes["exclude"]>;
};

/** Options of {@link SessionModule.forRootAsync}: build the options from injected providers. */
export interface SessionModuleAsyncOptions<Data extends SessionData, Args extends unknown[]> {
  /** Modules exporting what `inject` names (e.g. the module of your `PrismaService`). */
  imports?: ModuleMetadata["imports"];
  /** Providers passed to `useFactory`, in order. */
  inject?: FactoryProvider["inject"];
  useFactory: (...args: Args) => SessionModuleOptions<Data> | Promise<SessionModuleOptions<Data>>;
}

/** The injection token of the resolved module options. */
export const SESSION_MODULE_OPTIONS = Symbol("prisma-sessions:module-options");
const SESSION_MIDDLEWARE = Symbol("prisma-sessions:middleware");

/** A Nest middleware on the raw Node request and response (both platforms hand those to middleware). */
type RawMiddleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

interface Routing {
  /** The HTTP options, holding the one manager every request's session goes through. */
  options: ExpressSessionOptions & { manager: SessionManager };
  forRoutes: Parameters<MiddlewareRoutes["forRoutes"]>;
  exclude: Parameters<MiddlewareRoutes["exclude"]>;
}

/**
 * The Fastify platform: the session is begun in a `preHandler` hook (where Fastify's request tells
 * HTTPS behind a trusted proxy) for the requests Nest's middleware routing chose, and settled in
 * `onSend`, as the Fastify plugin does; the middleware only marks the requests.
 */
function onFastify(instance: FastifyInstance, options: Routing["options"]): RawMiddleware {
  const hooks = fastifySessionHooks(new SessionHttp(options));
  const chosen = new WeakSet<object>();
  instance.addHook("preHandler", (request, _reply, done) => {
    if (chosen.has(request.raw) && hooks.find(request.raw) === undefined) {
      const found = hooks.begin(request);
      Object.defineProperty(request, "session", { value: found, configurable: true, enumerable: true, writable: true });
    }
    done();
  });
  instance.addHook("onSend", hooks.onSend);
  return (req, _res, next) => {
    chosen.add(req);
    next();
  };
}

/**
 * Sessions for a NestJS application, on the Express platform (`@nestjs/platform-express`: the
 * Express middleware) or the Fastify one (`@nestjs/platform-fastify`: the Fastify plugin's hooks,
 * chosen by the application's HTTP adapter). Sessions reach every route (or those configured) and
 * {@link SessionManager} is injectable everywhere (the module is global). Handlers receive the
 * session with the {@link CurrentSession} decorator.
 *
 * @example
 * SessionModule.forRootAsync({
 *   imports: [PrismaModule],
 *   inject: [PrismaService],
 *   useFactory: (prisma: PrismaService) => ({ connector: new PrismaConnector(prisma) }),
 * })
 */
@Module({})
export class SessionModule implements NestModule {
  readonly #routing: Routing;
  readonly #adapterHost: HttpAdapterHost;

  constructor(@Inject(SESSION_MIDDLEWARE) routing: Routing, @Inject(HttpAdapterHost) adapterHost: HttpAdapterHost) {
    this.#routing = routing;
    this.#adapterHost = adapterHost;
  }

  configure(consumer: MiddlewareConsumer): void {
    const { options, forRoutes, exclude } = this.#routing;
    const adapter = this.#adapterHost.httpAdapter;
    const middleware: RawMiddleware =
      adapter?.getType() === "fastify" ? onFastify(adapter.getInstance<FastifyInstance>(), options) : session(options);
    consumer
      .apply(middleware)
      .exclude(...exclude)
      .forRoutes(...forRoutes);
  }

  /** Sessions with options known up front. */
  static forRoot<Data extends SessionData = SessionData>(options: SessionModuleOptions<Data>): DynamicModule {
    return sessionModule([], { provide: SESSION_MODULE_OPTIONS, useValue: options });
  }

  /** Sessions whose options come from other providers, such as the app's own `PrismaService`. */
  static forRootAsync<Data extends SessionData = SessionData, Args extends unknown[] = unknown[]>(
    options: SessionModuleAsyncOptions<Data, Args>,
  ): DynamicModule {
    return sessionModule(options.imports ?? [], {
      provide: SESSION_MODULE_OPTIONS,
      useFactory: options.useFactory,
      inject: options.inject ?? [],
    });
  }
}

/** The dynamic module both `forRoot` and `forRootAsync` return. */
function sessionModule(imports: NonNullable<ModuleMetadata["imports"]>, optionsProvider: Provider): DynamicModule {
  return {
    module: SessionModule,
    global: true,
    imports,
    providers: [
      optionsProvider,
      {
        provide: SESSION_MIDDLEWARE,
        inject: [SESSION_MODULE_OPTIONS],
        useFactory: ({ forRoutes, exclude, ...options }: SessionModuleOptions): Routing => ({
          options: { ...options, manager: "manager" in options ? options.manager : new SessionManager(options) },
          forRoutes: forRoutes ?? ["*"],
          exclude: exclude ?? [],
        }),
      },
      {
        provide: SessionManager,
        inject: [SESSION_MIDDLEWARE],
        useFactory: (routing: Routing) => routing.options.manager,
      },
    ],
    exports: [SessionManager],
  };
}

/**
 * The request's session, a `SessionStore` (unloaded until `await session.load()`). Type the
 * parameter with your data: `@CurrentSession() session: SessionStore<MyData>`. Named so that it
 * does not shadow `@nestjs/common`'s own `Session` decorator (express-session's `req.session`).
 */
export const CurrentSession = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  const found = requestSession(context.switchToHttp().getRequest<object>());
  if (found === null) {
    throw new ConfigError("No session on this request: SessionModule's middleware does not cover this route");
  }
  return found;
});

/**
 * The name {@link CurrentSession} had before 0.2, kept as an alias.
 * @deprecated It shadows `@nestjs/common`'s `Session` when both are imported; use `CurrentSession`.
 */
export const Session = CurrentSession;
