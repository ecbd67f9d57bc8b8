// What a backup instance's state means for compliance (CONTRACT.md 1.5, and its suggested rule).
import type { InventoryBackupInstance } from "@/core/inventory/types";

/**
 * configured: backups run (ProtectionConfigured).
 * pending: Azure is configuring or updating protection; wait, do not create another instance.
 * error: protection exists but does not run: error, failed, stopped, suspended, not protected, invalid.
 * deleted: the instance is (being) soft-deleted; it protects nothing any more.
 * unknown: no state recorded, or one Flexguard does not know; not guessed at.
 */
export type ProtectionClass = "configured" | "pending" | "error" | "deleted" | "unknown";

const CLASS_BY_STATE: ReadonlyMap<string, ProtectionClass> = new Map([
  ["protectionconfigured", "configured"],
  ["configuringprotection", "pending"],
  ["updatingprotection", "pending"],
  ["protectionerror", "error"],
  ["configuringprotectionfailed", "error"],
  ["protectionstopped", "error"],
  ["backupschedulessuspended", "error"],
  ["retentionschedulessuspended", "error"],
  ["notprotected", "error"],
  ["invalid", "error"],
  ["softdeleted", "deleted"],
  ["softdeleting", "deleted"],
]);

/** The state Flexguard goes by: currentProtectionState, or protectionStatus.status when the former is missing. */
export function protectionStateOf(instance: InventoryBackupInstance): string | null {
  return instance.currentProtectionState ?? instance.protectionStatus;
}

export function classifyProtection(instance: InventoryBackupInstance): ProtectionClass {
  const state = protectionStateOf(instance);
  return (state && CLASS_BY_STATE.get(state.toLowerCase())) || "unknown";
}

/** Which of several instances in accepted vaults speaks for the server: the healthiest. */
export const PROTECTION_RANK: Readonly<Record<ProtectionClass, number>> = {
  configured: 0,
  pending: 1,
  error: 2,
  unknown: 3,
  deleted: 4,
};
