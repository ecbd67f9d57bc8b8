-- CreateEnum
CREATE TYPE "plan_status" AS ENUM ('DRAFT', 'AWAITING_APPROVAL', 'APPROVED', 'REJECTED', 'RUNNING', 'PAUSED', 'SUCCEEDED', 'FAILED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "item_status" AS ENUM ('PENDING', 'RUNNING', 'SUCCEEDED', 'BACKUP_PENDING', 'NO_CHANGE', 'STALE', 'FAILED', 'NEEDS_ACTION', 'CANCELLED');

-- CreateTable
CREATE TABLE "remediation_plan" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "status" "plan_status" NOT NULL DEFAULT 'DRAFT',
    "selection" JSONB NOT NULL DEFAULT '{}',
    "options" JSONB NOT NULL DEFAULT '{}',
    "revision" INTEGER NOT NULL DEFAULT 1,
    "content_hash" TEXT NOT NULL,
    "item_count" INTEGER NOT NULL DEFAULT 0,
    "counts" JSONB NOT NULL DEFAULT '{}',
    "estimate_seconds" INTEGER NOT NULL DEFAULT 0,
    "created_by" TEXT NOT NULL,
    "created_by_id" UUID,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "submitted_at" TIMESTAMP(3),
    "decided_by" TEXT,
    "decided_by_id" UUID,
    "decided_at" TIMESTAMP(3),
    "decision_comment" TEXT,
    "approved_hash" TEXT,
    "approval_expires_at" TIMESTAMP(3),
    "started_by" TEXT,
    "started_at" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),
    "paused_at" TIMESTAMP(3),
    "pause_reason" TEXT,
    "cancel_requested_at" TIMESTAMP(3),

    CONSTRAINT "remediation_plan_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "remediation_item" (
    "id" UUID NOT NULL,
    "plan_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "server_id" UUID,
    "subscription_id" TEXT NOT NULL,
    "vault_arm_id_key" TEXT,
    "action" JSONB NOT NULL,
    "before" JSONB NOT NULL DEFAULT '{}',
    "after" JSONB NOT NULL DEFAULT '{}',
    "depends_on" INTEGER[] DEFAULT ARRAY[]::INTEGER[],
    "canary" BOOLEAN NOT NULL DEFAULT false,
    "status" "item_status" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lease_until" TIMESTAMP(3),
    "started_at" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),
    "error_code" TEXT,
    "error_message" TEXT,
    "result" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "remediation_item_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "remediation_step" (
    "id" BIGSERIAL NOT NULL,
    "item_id" UUID NOT NULL,
    "plan_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL DEFAULT 1,
    "started_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMP(3),
    "duration_ms" INTEGER,
    "outcome" TEXT,
    "error_code" TEXT,
    "error_message" TEXT,
    "azure_request_id" TEXT,
    "correlation_id" TEXT,
    "detail" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "remediation_step_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "format" TEXT NOT NULL DEFAULT 'json',
    "events" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "secret" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_delivery" (
    "id" UUID NOT NULL,
    "webhook_id" UUID NOT NULL,
    "event" TEXT NOT NULL,
    "dedupe_key" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_status_code" INTEGER,
    "last_error" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "delivered_at" TIMESTAMP(3),

    CONSTRAINT "webhook_delivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "remediation_plan_status_idx" ON "remediation_plan"("status");

-- CreateIndex
CREATE INDEX "remediation_plan_created_at_idx" ON "remediation_plan"("created_at");

-- CreateIndex
CREATE INDEX "remediation_item_plan_id_status_idx" ON "remediation_item"("plan_id", "status");

-- CreateIndex
CREATE INDEX "remediation_item_server_id_idx" ON "remediation_item"("server_id");

-- CreateIndex
CREATE INDEX "remediation_item_status_lease_until_idx" ON "remediation_item"("status", "lease_until");

-- CreateIndex
CREATE UNIQUE INDEX "remediation_item_plan_id_seq_key" ON "remediation_item"("plan_id", "seq");

-- CreateIndex
CREATE INDEX "remediation_step_plan_id_started_at_idx" ON "remediation_step"("plan_id", "started_at");

-- CreateIndex
CREATE UNIQUE INDEX "remediation_step_item_id_key_key" ON "remediation_step"("item_id", "key");

-- CreateIndex
CREATE UNIQUE INDEX "webhook_name_key" ON "webhook"("name");

-- CreateIndex
CREATE INDEX "webhook_delivery_status_idx" ON "webhook_delivery"("status");

-- CreateIndex
CREATE UNIQUE INDEX "webhook_delivery_webhook_id_dedupe_key_key" ON "webhook_delivery"("webhook_id", "dedupe_key");

-- AddForeignKey
ALTER TABLE "remediation_item" ADD CONSTRAINT "remediation_item_plan_id_fkey" FOREIGN KEY ("plan_id") REFERENCES "remediation_plan"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "remediation_step" ADD CONSTRAINT "remediation_step_item_id_fkey" FOREIGN KEY ("item_id") REFERENCES "remediation_item"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_delivery" ADD CONSTRAINT "webhook_delivery_webhook_id_fkey" FOREIGN KEY ("webhook_id") REFERENCES "webhook"("id") ON DELETE CASCADE ON UPDATE CASCADE;

