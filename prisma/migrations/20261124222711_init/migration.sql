-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "scan_status" AS ENUM ('QUEUED', 'RUNNING', 'SUCCEEDED', 'PARTIAL', 'FAILED');

-- CreateTable
CREATE TABLE "subscription" (
    "id" TEXT NOT NULL,
    "display_name" TEXT,
    "first_seen_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMP(3),

    CONSTRAINT "subscription_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "server" (
    "id" UUID NOT NULL,
    "arm_id_key" TEXT NOT NULL,
    "arm_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "subscription_id" TEXT NOT NULL,
    "resource_group" TEXT NOT NULL,
    "location" TEXT NOT NULL,
    "version" TEXT,
    "sku_name" TEXT,
    "sku_tier" TEXT,
    "state" TEXT,
    "tags" JSONB NOT NULL DEFAULT '{}',
    "first_seen_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMP(3),
    "last_scan_id" UUID,

    CONSTRAINT "server_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "scan" (
    "id" UUID NOT NULL,
    "status" "scan_status" NOT NULL DEFAULT 'QUEUED',
    "trigger" TEXT NOT NULL,
    "requested_by" TEXT,
    "queued_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),
    "counts" JSONB NOT NULL DEFAULT '{}',
    "error" TEXT,

    CONSTRAINT "scan_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "server_arm_id_key_key" ON "server"("arm_id_key");

-- CreateIndex
CREATE INDEX "server_subscription_id_resource_group_idx" ON "server"("subscription_id", "resource_group");

-- CreateIndex
CREATE INDEX "server_location_idx" ON "server"("location");

-- CreateIndex
CREATE INDEX "server_name_idx" ON "server"("name");

-- CreateIndex
CREATE INDEX "scan_status_idx" ON "scan"("status");

-- CreateIndex
CREATE INDEX "scan_queued_at_idx" ON "scan"("queued_at");

-- AddForeignKey
ALTER TABLE "server" ADD CONSTRAINT "server_subscription_id_fkey" FOREIGN KEY ("subscription_id") REFERENCES "subscription"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

