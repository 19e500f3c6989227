export type { Duration } from "../duration.js";
export type { SessionCookieOptions, StorageErrorPolicy } from "../http/http-options.js";
export {
  createPrismaSessionStorage,
  type PrismaSessionStorage,
  type PrismaSessionStorageOptions,
} from "../integrations/react-router.js";
