-- AlterTable
ALTER TABLE "sessions" ADD COLUMN "client_address" TEXT;
ALTER TABLE "sessions" ADD COLUMN "user_agent" TEXT;
