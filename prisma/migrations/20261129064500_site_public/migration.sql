-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Site" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "type" TEXT NOT NULL DEFAULT 'HTTP',
    "url" TEXT,
    "hostname" TEXT,
    "port" INTEGER,
    "interval" INTEGER NOT NULL DEFAULT 60,
    "timeout" INTEGER NOT NULL DEFAULT 5,
    "maxRetries" INTEGER NOT NULL DEFAULT 0,
    "method" TEXT NOT NULL DEFAULT 'GET',
    "acceptedCodes" TEXT NOT NULL DEFAULT '200-299',
    "checkSsl" BOOLEAN NOT NULL DEFAULT false,
    "expiryThreshold" INTEGER NOT NULL DEFAULT 7,
    "ignoreTls" BOOLEAN NOT NULL DEFAULT false,
    "dnsResolveType" TEXT,
    "dnsServer" TEXT,
    "paused" BOOLEAN NOT NULL DEFAULT false,
    "description" TEXT NOT NULL DEFAULT '',
    "regions" TEXT NOT NULL DEFAULT '',
    "pushToken" TEXT,
    "httpHeaders" TEXT,
    "httpBody" TEXT,
    "authType" TEXT NOT NULL DEFAULT 'NONE',
    "authUsername" TEXT,
    "authSecret" TEXT,
    "keyword" TEXT,
    "keywordInvert" BOOLEAN NOT NULL DEFAULT false,
    "renotifyMinutes" INTEGER NOT NULL DEFAULT 0,
    "parentId" INTEGER,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "public" BOOLEAN NOT NULL DEFAULT true,
    CONSTRAINT "Site_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "Site" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Site" ("acceptedCodes", "authSecret", "authType", "authUsername", "checkSsl", "createdAt", "description", "dnsResolveType", "dnsServer", "expiryThreshold", "hostname", "httpBody", "httpHeaders", "id", "ignoreTls", "interval", "keyword", "keywordInvert", "maxRetries", "method", "name", "parentId", "paused", "port", "pushToken", "regions", "renotifyMinutes", "timeout", "type", "updatedAt", "url") SELECT "acceptedCodes", "authSecret", "authType", "authUsername", "checkSsl", "createdAt", "description", "dnsResolveType", "dnsServer", "expiryThreshold", "hostname", "httpBody", "httpHeaders", "id", "ignoreTls", "interval", "keyword", "keywordInvert", "maxRetries", "method", "name", "parentId", "paused", "port", "pushToken", "regions", "renotifyMinutes", "timeout", "type", "updatedAt", "url" FROM "Site";
DROP TABLE "Site";
ALTER TABLE "new_Site" RENAME TO "Site";
CREATE UNIQUE INDEX "Site_pushToken_key" ON "Site"("pushToken");
CREATE INDEX "Site_parentId_idx" ON "Site"("parentId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

