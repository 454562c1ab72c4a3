-- AlterTable
ALTER TABLE "SiteRuntimeState" ADD COLUMN     "sslRenewalChecks" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "sslWarnedExpiry" TIMESTAMP(3);

