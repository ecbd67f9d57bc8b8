-- AlterTable
ALTER TABLE "remediation_item" ADD COLUMN     "lease_owner" INTEGER;

