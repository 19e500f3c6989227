export {
  type BatchRun,
  type CleanupResult,
  type CleanupStop,
  type CleanupTarget,
  cleanupExpiredSessions,
} from "../cleanup/cleanup.js";
export type { CleanupOptions, CleanupProgress } from "../cleanup/cleanup-options.js";
export type { CleanupLock, HeldCleanupLock } from "../cleanup/lock.js";
export {
  PrismaCleanupLock,
  type PrismaCleanupLockOptions,
  type PrismaLockClient,
  type PrismaLockTransaction,
} from "../cleanup/prisma-lock.js";
export { PrismaCleanupTarget, type PrismaCleanupTargetOptions } from "../cleanup/prisma-target.js";
export { type CleanupSchedule, type ScheduleCleanupOptions, scheduleCleanup } from "../cleanup/schedule.js";
export type { PgPool, PgPoolClient } from "../cleanup/server-batches.js";
export type { Duration } from "../duration.js";
export type { BatchBudget } from "../sql/dialect.js";
