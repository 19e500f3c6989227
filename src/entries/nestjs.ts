export type { Duration } from "../duration.js";
export {
  CurrentSession,
  SESSION_MODULE_OPTIONS,
  Session,
  SessionModule,
  type SessionModuleAsyncOptions,
  type SessionModuleOptions,
} from "../integrations/nestjs.js";
