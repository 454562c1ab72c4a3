-- CreateTable
CREATE TABLE "CheckRollup" (
    "siteId" INTEGER NOT NULL,
    "width" INTEGER NOT NULL,
    "start" TIMESTAMP(3) NOT NULL,
    "count" INTEGER NOT NULL,
    "upCount" INTEGER NOT NULL,
    "latencyCount" INTEGER NOT NULL,
    "latencySum" DOUBLE PRECISION NOT NULL,
    "latencyMin" DOUBLE PRECISION,
    "latencyMax" DOUBLE PRECISION,
    "sketch" TEXT NOT NULL,

    CONSTRAINT "CheckRollup_pkey" PRIMARY KEY ("siteId","width","start")
);

-- CreateIndex
CREATE INDEX "CheckRollup_width_start_idx" ON "CheckRollup"("width", "start");

-- AddForeignKey
ALTER TABLE "CheckRollup" ADD CONSTRAINT "CheckRollup_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site"("id") ON DELETE CASCADE ON UPDATE CASCADE;

