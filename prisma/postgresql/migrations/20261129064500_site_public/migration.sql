-- AlterTable
ALTER TABLE "Site" ADD COLUMN     "public" BOOLEAN NOT NULL DEFAULT true;

