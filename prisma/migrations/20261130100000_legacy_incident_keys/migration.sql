-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_SiteRuntimeState" (
    "siteId" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "failureCount" INTEGER NOT NULL DEFAULT 0,
    "statusCode" INTEGER,
    "latencyMs" REAL,
    "lastCheckAt" DATETIME,
    "lastSuccessAt" DATETIME,
    "statusChangedAt" DATETIME,
    "lastError" TEXT NOT NULL DEFAULT '',
    "hasSsl" BOOLEAN NOT NULL DEFAULT false,
    "certExpiresAt" DATETIME,
    "sentSslWarning" BOOLEAN NOT NULL DEFAULT false,
    "sslWarnedExpiry" DATETIME,
    "sslRenewalChecks" INTEGER NOT NULL DEFAULT 0,
    "lastAlertAt" DATETIME,
    "pushMissedInWindow" BOOLEAN NOT NULL DEFAULT false,
    "pushFailedInWindow" BOOLEAN NOT NULL DEFAULT false,
    "pushAlertAtDeadline" BOOLEAN NOT NULL DEFAULT false,
    "legacyOutageKey" BOOLEAN NOT NULL DEFAULT false,
    "legacySslKey" BOOLEAN NOT NULL DEFAULT false,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "SiteRuntimeState_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_SiteRuntimeState" ("certExpiresAt", "failureCount", "hasSsl", "lastAlertAt", "lastCheckAt", "lastError", "lastSuccessAt", "latencyMs", "pushAlertAtDeadline", "pushFailedInWindow", "pushMissedInWindow", "sentSslWarning", "siteId", "sslRenewalChecks", "sslWarnedExpiry", "status", "statusChangedAt", "statusCode", "updatedAt") SELECT "certExpiresAt", "failureCount", "hasSsl", "lastAlertAt", "lastCheckAt", "lastError", "lastSuccessAt", "latencyMs", "pushAlertAtDeadline", "pushFailedInWindow", "pushMissedInWindow", "sentSslWarning", "siteId", "sslRenewalChecks", "sslWarnedExpiry", "status", "statusChangedAt", "statusCode", "updatedAt" FROM "SiteRuntimeState";
DROP TABLE "SiteRuntimeState";
ALTER TABLE "new_SiteRuntimeState" RENAME TO "SiteRuntimeState";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;


-- The incidents open now were opened under the keys of an uptop that knew no installation id: they keep those keys
-- until they are closed.
UPDATE "SiteRuntimeState" SET "legacyOutageKey" = ("lastAlertAt" IS NOT NULL), "legacySslKey" = "sentSslWarning";
