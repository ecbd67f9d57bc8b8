-- CreateEnum
CREATE TYPE "run_status" AS ENUM ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED');

-- CreateTable
CREATE TABLE "protection_rule" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "revision" INTEGER NOT NULL DEFAULT 1,
    "order" INTEGER NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "mode" TEXT NOT NULL,
    "definition" JSONB NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_by" TEXT NOT NULL,
    "deleted_at" TIMESTAMP(3),

    CONSTRAINT "protection_rule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rule_revision" (
    "id" UUID NOT NULL,
    "rule_id" UUID NOT NULL,
    "revision" INTEGER NOT NULL,
    "definition" JSONB NOT NULL,
    "changes" JSONB NOT NULL DEFAULT '[]',
    "changed_by" TEXT NOT NULL,
    "changed_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rule_revision_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "exemption" (
    "id" UUID NOT NULL,
    "definition" JSONB NOT NULL,
    "rule_id" UUID,
    "category" TEXT NOT NULL,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "requested_by" TEXT NOT NULL,
    "granted_by" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMP(3),

    CONSTRAINT "exemption_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "evaluation_run" (
    "id" UUID NOT NULL,
    "status" "run_status" NOT NULL DEFAULT 'QUEUED',
    "trigger" TEXT NOT NULL,
    "queued_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),
    "servers" INTEGER NOT NULL DEFAULT 0,
    "changed" INTEGER NOT NULL DEFAULT 0,
    "counts" JSONB NOT NULL DEFAULT '{}',
    "rule_revisions" JSONB NOT NULL DEFAULT '{}',
    "error" TEXT,

    CONSTRAINT "evaluation_run_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "server_verdict" (
    "server_id" UUID NOT NULL,
    "state" TEXT NOT NULL,
    "governing_rule_id" UUID,
    "rule_revision" INTEGER,
    "verdict" JSONB NOT NULL,
    "hash" TEXT NOT NULL,
    "state_since" TIMESTAMP(3) NOT NULL,
    "evaluated_at" TIMESTAMP(3) NOT NULL,
    "run_id" UUID NOT NULL,

    CONSTRAINT "server_verdict_pkey" PRIMARY KEY ("server_id")
);

-- CreateTable
CREATE TABLE "verdict_change" (
    "id" BIGSERIAL NOT NULL,
    "server_id" UUID NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "from_state" TEXT,
    "to_state" TEXT NOT NULL,
    "governing_rule_id" UUID,
    "rule_revision" INTEGER,
    "reasons" JSONB NOT NULL DEFAULT '[]',
    "run_id" UUID NOT NULL,

    CONSTRAINT "verdict_change_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "daily_aggregate" (
    "day" DATE NOT NULL,
    "dimension" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "count" INTEGER NOT NULL,

    CONSTRAINT "daily_aggregate_pkey" PRIMARY KEY ("day","dimension","key","state")
);

-- CreateIndex
CREATE UNIQUE INDEX "protection_rule_name_key" ON "protection_rule"("name");

-- CreateIndex
CREATE UNIQUE INDEX "rule_revision_rule_id_revision_key" ON "rule_revision"("rule_id", "revision");

-- CreateIndex
CREATE INDEX "exemption_expires_at_idx" ON "exemption"("expires_at");

-- CreateIndex
CREATE INDEX "evaluation_run_status_idx" ON "evaluation_run"("status");

-- CreateIndex
CREATE INDEX "evaluation_run_queued_at_idx" ON "evaluation_run"("queued_at");

-- CreateIndex
CREATE INDEX "server_verdict_state_idx" ON "server_verdict"("state");

-- CreateIndex
CREATE INDEX "server_verdict_governing_rule_id_idx" ON "server_verdict"("governing_rule_id");

-- CreateIndex
CREATE INDEX "verdict_change_server_id_at_idx" ON "verdict_change"("server_id", "at");

-- CreateIndex
CREATE INDEX "verdict_change_at_idx" ON "verdict_change"("at");

-- AddForeignKey
ALTER TABLE "rule_revision" ADD CONSTRAINT "rule_revision_rule_id_fkey" FOREIGN KEY ("rule_id") REFERENCES "protection_rule"("id") ON DELETE CASCADE ON UPDATE CASCADE;

