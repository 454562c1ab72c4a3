-- CreateEnum
CREATE TYPE "ApiTokenScope" AS ENUM ('API', 'PROBE');

-- AlterTable
ALTER TABLE "ApiToken" ADD COLUMN     "scope" "ApiTokenScope" NOT NULL DEFAULT 'API';

-- AlterTable
ALTER TABLE "ProbeNode" ADD COLUMN     "tokenId" INTEGER;

-- CreateIndex
CREATE INDEX "ProbeNode_tokenId_idx" ON "ProbeNode"("tokenId");

-- AddForeignKey
ALTER TABLE "ProbeNode" ADD CONSTRAINT "ProbeNode_tokenId_fkey" FOREIGN KEY ("tokenId") REFERENCES "ApiToken"("id") ON DELETE SET NULL ON UPDATE CASCADE;

