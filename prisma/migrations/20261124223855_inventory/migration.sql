-- CreateTable
CREATE TABLE "vault" (
    "id" UUID NOT NULL,
    "arm_id_key" TEXT NOT NULL,
    "arm_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "subscription_id" TEXT NOT NULL,
    "resource_group" TEXT NOT NULL,
    "location" TEXT NOT NULL,
    "principal_id" TEXT,
    "identity_type" TEXT,
    "storage_type" TEXT,
    "tags" JSONB NOT NULL DEFAULT '{}',
    "first_seen_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMP(3),
    "last_scan_id" UUID,

    CONSTRAINT "vault_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "backup_policy" (
    "id" UUID NOT NULL,
    "arm_id_key" TEXT NOT NULL,
    "arm_id" TEXT NOT NULL,
    "vault_arm_id_key" TEXT NOT NULL,
    "subscription_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "datasource_types" TEXT[],
    "backup_interval" TEXT,
    "default_retention" TEXT,
    "policy_rules" JSONB NOT NULL DEFAULT '[]',
    "first_seen_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMP(3),
    "last_scan_id" UUID,

    CONSTRAINT "backup_policy_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "backup_instance" (
    "id" UUID NOT NULL,
    "arm_id_key" TEXT NOT NULL,
    "arm_id" TEXT NOT NULL,
    "vault_arm_id_key" TEXT NOT NULL,
    "subscription_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "data_source_arm_id_key" TEXT NOT NULL,
    "data_source_arm_id" TEXT NOT NULL,
    "policy_arm_id_key" TEXT,
    "protection_status" TEXT,
    "current_protection_state" TEXT,
    "error_code" TEXT,
    "error_message" TEXT,
    "first_seen_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMP(3),
    "last_scan_id" UUID,

    CONSTRAINT "backup_instance_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "role_assignment" (
    "id" UUID NOT NULL,
    "arm_id_key" TEXT NOT NULL,
    "arm_id" TEXT NOT NULL,
    "subscription_id" TEXT NOT NULL,
    "principal_id" TEXT NOT NULL,
    "principal_type" TEXT,
    "role_definition_guid" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "scope_key" TEXT NOT NULL,
    "first_seen_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMP(3),
    "last_scan_id" UUID,

    CONSTRAINT "role_assignment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "scan_part" (
    "id" UUID NOT NULL,
    "scan_id" UUID NOT NULL,
    "subscriptions" TEXT[],
    "status" "scan_status" NOT NULL DEFAULT 'QUEUED',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "started_at" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),
    "counts" JSONB NOT NULL DEFAULT '{}',
    "error_code" TEXT,
    "error" TEXT,
    "split_into" INTEGER,

    CONSTRAINT "scan_part_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "vault_arm_id_key_key" ON "vault"("arm_id_key");

-- CreateIndex
CREATE INDEX "vault_location_idx" ON "vault"("location");

-- CreateIndex
CREATE INDEX "vault_principal_id_idx" ON "vault"("principal_id");

-- CreateIndex
CREATE INDEX "vault_subscription_id_idx" ON "vault"("subscription_id");

-- CreateIndex
CREATE UNIQUE INDEX "backup_policy_arm_id_key_key" ON "backup_policy"("arm_id_key");

-- CreateIndex
CREATE INDEX "backup_policy_vault_arm_id_key_idx" ON "backup_policy"("vault_arm_id_key");

-- CreateIndex
CREATE INDEX "backup_policy_subscription_id_idx" ON "backup_policy"("subscription_id");

-- CreateIndex
CREATE UNIQUE INDEX "backup_instance_arm_id_key_key" ON "backup_instance"("arm_id_key");

-- CreateIndex
CREATE INDEX "backup_instance_data_source_arm_id_key_idx" ON "backup_instance"("data_source_arm_id_key");

-- CreateIndex
CREATE INDEX "backup_instance_vault_arm_id_key_idx" ON "backup_instance"("vault_arm_id_key");

-- CreateIndex
CREATE INDEX "backup_instance_subscription_id_idx" ON "backup_instance"("subscription_id");

-- CreateIndex
CREATE UNIQUE INDEX "role_assignment_arm_id_key_key" ON "role_assignment"("arm_id_key");

-- CreateIndex
CREATE INDEX "role_assignment_principal_id_idx" ON "role_assignment"("principal_id");

-- CreateIndex
CREATE INDEX "role_assignment_scope_key_idx" ON "role_assignment"("scope_key");

-- CreateIndex
CREATE INDEX "role_assignment_subscription_id_idx" ON "role_assignment"("subscription_id");

-- CreateIndex
CREATE INDEX "scan_part_scan_id_status_idx" ON "scan_part"("scan_id", "status");

-- CreateIndex
CREATE INDEX "server_last_scan_id_idx" ON "server"("last_scan_id");

-- AddForeignKey
ALTER TABLE "scan_part" ADD CONSTRAINT "scan_part_scan_id_fkey" FOREIGN KEY ("scan_id") REFERENCES "scan"("id") ON DELETE CASCADE ON UPDATE CASCADE;

