-- CreateTable
CREATE TABLE "Site" (
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
    CONSTRAINT "Site_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "Site" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AlertChannel" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "settings" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "SiteAlertChannel" (
    "siteId" INTEGER NOT NULL,
    "alertChannelId" INTEGER NOT NULL,

    PRIMARY KEY ("siteId", "alertChannelId"),
    CONSTRAINT "SiteAlertChannel_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "SiteAlertChannel_alertChannelId_fkey" FOREIGN KEY ("alertChannelId") REFERENCES "AlertChannel" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AlertHealth" (
    "alertChannelId" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "lastSendAt" DATETIME,
    "lastSendOk" BOOLEAN NOT NULL DEFAULT false,
    "lastError" TEXT NOT NULL DEFAULT '',
    "sendCount" INTEGER NOT NULL DEFAULT 0,
    "failCount" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "AlertHealth_alertChannelId_fkey" FOREIGN KEY ("alertChannelId") REFERENCES "AlertChannel" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "User" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "username" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "role" TEXT NOT NULL DEFAULT 'VIEWER',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Session" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "tokenHash" TEXT NOT NULL,
    "userId" INTEGER NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" DATETIME NOT NULL,
    "lastUsedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ApiToken" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "readOnly" BOOLEAN NOT NULL DEFAULT true,
    "userId" INTEGER NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" DATETIME,
    CONSTRAINT "ApiToken_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Check" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "siteId" INTEGER NOT NULL,
    "checkedAt" DATETIME NOT NULL,
    "up" BOOLEAN NOT NULL,
    "status" TEXT NOT NULL,
    "latencyMs" REAL,
    "statusCode" INTEGER,
    "message" TEXT,
    "nodeId" TEXT NOT NULL DEFAULT '',
    CONSTRAINT "Check_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "StateChange" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "siteId" INTEGER NOT NULL,
    "fromStatus" TEXT NOT NULL,
    "toStatus" TEXT NOT NULL,
    "reason" TEXT NOT NULL DEFAULT '',
    "changedAt" DATETIME NOT NULL,
    CONSTRAINT "StateChange_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Log" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "message" TEXT NOT NULL,
    "siteId" INTEGER,
    "createdAt" DATETIME NOT NULL,
    CONSTRAINT "Log_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "MaintenanceWindow" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "title" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "type" TEXT NOT NULL DEFAULT 'MAINTENANCE',
    "siteId" INTEGER,
    "startsAt" DATETIME NOT NULL,
    "endsAt" DATETIME,
    "recurrence" TEXT,
    "durationMinutes" INTEGER,
    "timezone" TEXT,
    "createdBy" TEXT NOT NULL DEFAULT '',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "MaintenanceWindow_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "SiteRuntimeState" (
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
    "lastAlertAt" DATETIME,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "SiteRuntimeState_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ProbeNode" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "region" TEXT NOT NULL DEFAULT '',
    "lastSeen" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "version" TEXT NOT NULL DEFAULT ''
);

-- CreateTable
CREATE TABLE "Preference" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "value" TEXT NOT NULL
);

-- CreateIndex
CREATE UNIQUE INDEX "Site_pushToken_key" ON "Site"("pushToken");

-- CreateIndex
CREATE INDEX "Site_parentId_idx" ON "Site"("parentId");

-- CreateIndex
CREATE INDEX "SiteAlertChannel_alertChannelId_idx" ON "SiteAlertChannel"("alertChannelId");

-- CreateIndex
CREATE UNIQUE INDEX "User_username_key" ON "User"("username");

-- CreateIndex
CREATE UNIQUE INDEX "Session_tokenHash_key" ON "Session"("tokenHash");

-- CreateIndex
CREATE INDEX "Session_userId_idx" ON "Session"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_tokenHash_key" ON "ApiToken"("tokenHash");

-- CreateIndex
CREATE INDEX "ApiToken_userId_idx" ON "ApiToken"("userId");

-- CreateIndex
CREATE INDEX "Check_siteId_checkedAt_idx" ON "Check"("siteId", "checkedAt" DESC);

-- CreateIndex
CREATE INDEX "StateChange_siteId_changedAt_idx" ON "StateChange"("siteId", "changedAt" DESC);

-- CreateIndex
CREATE INDEX "Log_createdAt_idx" ON "Log"("createdAt" DESC);

-- CreateIndex
CREATE INDEX "Log_siteId_idx" ON "Log"("siteId");

-- CreateIndex
CREATE INDEX "MaintenanceWindow_siteId_idx" ON "MaintenanceWindow"("siteId");

-- CreateIndex
CREATE INDEX "MaintenanceWindow_endsAt_idx" ON "MaintenanceWindow"("endsAt");

