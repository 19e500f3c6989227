export type { Duration } from "../duration.js";
export { ExpressSessionStore } from "../integrations/express-store.js";
export type { ExpressSessionStoreOptions } from "../integrations/express-store-options.js";
