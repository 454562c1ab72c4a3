-- CreateTable
CREATE TABLE "ClusterMember" (
    "id" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "heartbeatAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ClusterMember_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SlotLease" (
    "slot" INTEGER NOT NULL,
    "owner" TEXT NOT NULL DEFAULT '',
    "fence" INTEGER NOT NULL DEFAULT 0,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SlotLease_pkey" PRIMARY KEY ("slot")
);

-- CreateTable
CREATE TABLE "AlertOutbox" (
    "id" SERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "siteId" INTEGER NOT NULL,
    "alertChannelId" INTEGER NOT NULL,
    "payload" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "claimedBy" TEXT NOT NULL DEFAULT '',
    "claimedUntil" TIMESTAMP(3),
    "sentAt" TIMESTAMP(3),
    "lastError" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "AlertOutbox_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "AlertOutbox_key_key" ON "AlertOutbox"("key");

-- CreateIndex
CREATE INDEX "AlertOutbox_sentAt_nextAttemptAt_idx" ON "AlertOutbox"("sentAt", "nextAttemptAt");

