-- AlterTable
ALTER TABLE "SiteRuntimeState" ADD COLUMN     "legacyOutageKey" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "legacySslKey" BOOLEAN NOT NULL DEFAULT false;


-- The incidents open now were opened under the keys of an uptop that knew no installation id: they keep those keys
-- until they are closed.
UPDATE "SiteRuntimeState" SET "legacyOutageKey" = ("lastAlertAt" IS NOT NULL), "legacySslKey" = "sentSslWarning";
