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
import { ConfigError } from "../errors.js";
import { SessionManager } from "../session-manager.js";
import type { SessionData } from "../session-store.js";
import { type ExpressSessionOptions, requestSession, type SessionMiddleware, session } from "./express.js";

type MiddlewareRoutes = ReturnType<MiddlewareConsumer["apply"]>;

/** Options of {@link SessionModule}: the Express middleware's options plus the routes it runs on. */
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

interface Routing {
  middleware: SessionMiddleware;
  forRoutes: Parameters<MiddlewareRoutes["forRoutes"]>;
  exclude: Parameters<MiddlewareRoutes["exclude"]>;
}

/**
 * Sessions for a NestJS application on the Express platform. Applies the session middleware to
 * every route (or those configured) and makes {@link SessionManager} injectable everywhere (the
 * module is global). Handlers receive the session with the {@link CurrentSession} decorator.
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

  constructor(@Inject(SESSION_MIDDLEWARE) routing: Routing) {
    this.#routing = routing;
  }

  configure(consumer: MiddlewareConsumer): void {
    const { middleware, forRoutes, exclude } = this.#routing;
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
          middleware: session(options),
          forRoutes: forRoutes ?? ["*"],
          exclude: exclude ?? [],
        }),
      },
      {
        provide: SessionManager,
        inject: [SESSION_MIDDLEWARE],
        useFactory: (routing: Routing) => routing.middleware.manager,
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
  const found = requestSession(context.switchToHttp().getRequest());
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
