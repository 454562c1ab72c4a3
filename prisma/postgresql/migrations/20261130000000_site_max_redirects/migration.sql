-- AlterTable
ALTER TABLE "Site" ADD COLUMN     "maxRedirects" INTEGER NOT NULL DEFAULT 10;

