-- DropIndex
DROP INDEX "Check_siteId_checkedAt_idx";

-- DropIndex
DROP INDEX "StateChange_siteId_changedAt_idx";

-- CreateIndex
CREATE INDEX "Check_siteId_checkedAt_idx" ON "Check"("siteId", "checkedAt");

-- CreateIndex
CREATE INDEX "StateChange_siteId_changedAt_idx" ON "StateChange"("siteId", "changedAt");

