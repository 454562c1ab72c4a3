-- AlterTable
ALTER TABLE "SiteRuntimeState" ADD COLUMN     "pushAlertAtDeadline" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "pushFailedInWindow" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "pushMissedInWindow" BOOLEAN NOT NULL DEFAULT false;

