export type { Duration, SessionCookieOptions, StorageErrorPolicy } from "../http/http-options.js";
export {
  createPrismaSessionStorage,
  type PrismaSessionStorage,
  type PrismaSessionStorageOptions,
} from "../integrations/react-router.js";
