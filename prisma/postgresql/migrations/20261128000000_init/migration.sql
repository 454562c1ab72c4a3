-- CreateEnum
CREATE TYPE "MonitorType" AS ENUM ('HTTP', 'PUSH', 'PING', 'PORT', 'DNS', 'GROUP');

-- CreateEnum
CREATE TYPE "SiteStatus" AS ENUM ('UP', 'DOWN', 'PENDING', 'LATE', 'STALE', 'SSL_EXPIRED');

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('ADMIN', 'EDITOR', 'VIEWER');

-- CreateEnum
CREATE TYPE "AlertProvider" AS ENUM ('DISCORD', 'SLACK', 'WEBHOOK', 'EMAIL', 'NTFY', 'TELEGRAM', 'PAGERDUTY', 'PUSHOVER', 'GOTIFY', 'OPSGENIE', 'TEAMS', 'MATRIX');

-- CreateEnum
CREATE TYPE "MaintenanceType" AS ENUM ('MAINTENANCE', 'INCIDENT');

-- CreateEnum
CREATE TYPE "HttpAuthType" AS ENUM ('NONE', 'BASIC', 'BEARER');

-- CreateTable
CREATE TABLE "Site" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "type" "MonitorType" NOT NULL DEFAULT 'HTTP',
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
    "authType" "HttpAuthType" NOT NULL DEFAULT 'NONE',
    "authUsername" TEXT,
    "authSecret" TEXT,
    "keyword" TEXT,
    "keywordInvert" BOOLEAN NOT NULL DEFAULT false,
    "renotifyMinutes" INTEGER NOT NULL DEFAULT 0,
    "parentId" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Site_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AlertChannel" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "provider" "AlertProvider" NOT NULL,
    "settings" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AlertChannel_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SiteAlertChannel" (
    "siteId" INTEGER NOT NULL,
    "alertChannelId" INTEGER NOT NULL,

    CONSTRAINT "SiteAlertChannel_pkey" PRIMARY KEY ("siteId","alertChannelId")
);

-- CreateTable
CREATE TABLE "AlertHealth" (
    "alertChannelId" INTEGER NOT NULL,
    "lastSendAt" TIMESTAMP(3),
    "lastSendOk" BOOLEAN NOT NULL DEFAULT false,
    "lastError" TEXT NOT NULL DEFAULT '',
    "sendCount" INTEGER NOT NULL DEFAULT 0,
    "failCount" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "AlertHealth_pkey" PRIMARY KEY ("alertChannelId")
);

-- CreateTable
CREATE TABLE "User" (
    "id" SERIAL NOT NULL,
    "username" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "role" "Role" NOT NULL DEFAULT 'VIEWER',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Session" (
    "id" SERIAL NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "userId" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "lastUsedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiToken" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "readOnly" BOOLEAN NOT NULL DEFAULT true,
    "userId" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),

    CONSTRAINT "ApiToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Check" (
    "id" SERIAL NOT NULL,
    "siteId" INTEGER NOT NULL,
    "checkedAt" TIMESTAMP(3) NOT NULL,
    "up" BOOLEAN NOT NULL,
    "status" "SiteStatus" NOT NULL,
    "latencyMs" DOUBLE PRECISION,
    "statusCode" INTEGER,
    "message" TEXT,
    "nodeId" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "Check_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StateChange" (
    "id" SERIAL NOT NULL,
    "siteId" INTEGER NOT NULL,
    "fromStatus" "SiteStatus" NOT NULL,
    "toStatus" "SiteStatus" NOT NULL,
    "reason" TEXT NOT NULL DEFAULT '',
    "changedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "StateChange_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Log" (
    "id" SERIAL NOT NULL,
    "message" TEXT NOT NULL,
    "siteId" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Log_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MaintenanceWindow" (
    "id" SERIAL NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "type" "MaintenanceType" NOT NULL DEFAULT 'MAINTENANCE',
    "siteId" INTEGER,
    "startsAt" TIMESTAMP(3) NOT NULL,
    "endsAt" TIMESTAMP(3),
    "recurrence" TEXT,
    "durationMinutes" INTEGER,
    "timezone" TEXT,
    "createdBy" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "MaintenanceWindow_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SiteRuntimeState" (
    "siteId" INTEGER NOT NULL,
    "status" "SiteStatus" NOT NULL DEFAULT 'PENDING',
    "failureCount" INTEGER NOT NULL DEFAULT 0,
    "statusCode" INTEGER,
    "latencyMs" DOUBLE PRECISION,
    "lastCheckAt" TIMESTAMP(3),
    "lastSuccessAt" TIMESTAMP(3),
    "statusChangedAt" TIMESTAMP(3),
    "lastError" TEXT NOT NULL DEFAULT '',
    "hasSsl" BOOLEAN NOT NULL DEFAULT false,
    "certExpiresAt" TIMESTAMP(3),
    "sentSslWarning" BOOLEAN NOT NULL DEFAULT false,
    "lastAlertAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SiteRuntimeState_pkey" PRIMARY KEY ("siteId")
);

-- CreateTable
CREATE TABLE "ProbeNode" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "region" TEXT NOT NULL DEFAULT '',
    "lastSeen" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "version" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "ProbeNode_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Preference" (
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,

    CONSTRAINT "Preference_pkey" PRIMARY KEY ("key")
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

-- AddForeignKey
ALTER TABLE "Site" ADD CONSTRAINT "Site_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "Site"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SiteAlertChannel" ADD CONSTRAINT "SiteAlertChannel_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SiteAlertChannel" ADD CONSTRAINT "SiteAlertChannel_alertChannelId_fkey" FOREIGN KEY ("alertChannelId") REFERENCES "AlertChannel"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AlertHealth" ADD CONSTRAINT "AlertHealth_alertChannelId_fkey" FOREIGN KEY ("alertChannelId") REFERENCES "AlertChannel"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Session" ADD CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApiToken" ADD CONSTRAINT "ApiToken_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Check" ADD CONSTRAINT "Check_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StateChange" ADD CONSTRAINT "StateChange_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Log" ADD CONSTRAINT "Log_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MaintenanceWindow" ADD CONSTRAINT "MaintenanceWindow_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SiteRuntimeState" ADD CONSTRAINT "SiteRuntimeState_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site"("id") ON DELETE CASCADE ON UPDATE CASCADE;

