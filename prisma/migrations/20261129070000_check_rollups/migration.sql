-- CreateTable
CREATE TABLE "CheckRollup" (
    "siteId" INTEGER NOT NULL,
    "width" INTEGER NOT NULL,
    "start" DATETIME NOT NULL,
    "count" INTEGER NOT NULL,
    "upCount" INTEGER NOT NULL,
    "latencyCount" INTEGER NOT NULL,
    "latencySum" REAL NOT NULL,
    "latencyMin" REAL,
    "latencyMax" REAL,
    "sketch" TEXT NOT NULL,

    PRIMARY KEY ("siteId", "width", "start"),
    CONSTRAINT "CheckRollup_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "CheckRollup_width_start_idx" ON "CheckRollup"("width", "start");

