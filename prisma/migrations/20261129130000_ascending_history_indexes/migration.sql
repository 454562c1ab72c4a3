-- Ascending (siteId, time) indexes: SQLite keeps the rowid ascending inside an index, so with the time descending
-- neither (time DESC, id DESC) nor (time ASC, id ASC) could be read from it, and the SLA's edge seeks, the history
-- pages and the checks and changes connections sorted every matching row first. Scanned either way, an ascending
-- index gives both orders.
-- DropIndex
DROP INDEX "Check_siteId_checkedAt_idx";

-- DropIndex
DROP INDEX "StateChange_siteId_changedAt_idx";

-- CreateIndex
CREATE INDEX "Check_siteId_checkedAt_idx" ON "Check"("siteId", "checkedAt");

-- CreateIndex
CREATE INDEX "StateChange_siteId_changedAt_idx" ON "StateChange"("siteId", "changedAt");
