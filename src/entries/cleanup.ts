export { type CleanupResult, type CleanupStop, cleanupExpiredSessions } from "../cleanup/cleanup.js";
export type { CleanupOptions, CleanupProgress } from "../cleanup/cleanup-options.js";
export { type CleanupSchedule, type ScheduleCleanupOptions, scheduleCleanup } from "../cleanup/schedule.js";
export type {
  BatchBudget,
  BatchCursor,
  BatchRun,
  CleanupLock,
  CleanupTarget,
  ExpiredBatch,
  HeapPosition,
  HeldCleanupLock,
} from "../connector.js";
export type { Duration } from "../duration.js";
export type { PgPool, PgPoolClient } from "../storage/pg-server-batches.js";
export {
  PrismaCleanupLock,
  type PrismaCleanupLockOptions,
  type PrismaLockClient,
  type PrismaLockTransaction,
} from "../storage/prisma-lock.js";
export { PrismaCleanupTarget, type PrismaCleanupTargetOptions } from "../storage/prisma-target.js";
