-- CreateTable
CREATE TABLE "ClusterMember" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "startedAt" DATETIME NOT NULL,
    "heartbeatAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "SlotLease" (
    "slot" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "owner" TEXT NOT NULL DEFAULT '',
    "fence" INTEGER NOT NULL DEFAULT 0,
    "expiresAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "AlertOutbox" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "key" TEXT NOT NULL,
    "siteId" INTEGER NOT NULL,
    "alertChannelId" INTEGER NOT NULL,
    "payload" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,
    "nextAttemptAt" DATETIME NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "claimedBy" TEXT NOT NULL DEFAULT '',
    "claimedUntil" DATETIME,
    "sentAt" DATETIME,
    "lastError" TEXT NOT NULL DEFAULT ''
);

-- CreateIndex
CREATE UNIQUE INDEX "AlertOutbox_key_key" ON "AlertOutbox"("key");

-- CreateIndex
CREATE INDEX "AlertOutbox_sentAt_nextAttemptAt_idx" ON "AlertOutbox"("sentAt", "nextAttemptAt");

