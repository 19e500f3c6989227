-- AlterTable
ALTER TABLE `sessions` ADD COLUMN `client_address` VARCHAR(191) NULL,
    ADD COLUMN `user_agent` VARCHAR(191) NULL;
