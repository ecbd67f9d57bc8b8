// The per-item diff people review before approving: what the item changes, field by field (before -> after), and
// a one-line summary. Pure; computed when an item is shown, from the frozen action, before and after.
import type { PlanAction } from "./plan-types";

export interface DiffLine {
  field: string;
  before: string | null;
  after: string | null;
}

export interface ItemDescription {
  summary: string;
  diff: DiffLine[];
}

const lastSegment = (armId: string | null | undefined) => (armId ? armId.slice(armId.lastIndexOf("/") + 1) : null);
const str = (v: unknown) => (typeof v === "string" ? v : null);

/** What an item does, in words and as before/after lines. */
export function describeItem(action: PlanAction, before: unknown, after: unknown): ItemDescription {
  const b = (before ?? {}) as Record<string, unknown>;
  const a = (after ?? {}) as Record<string, unknown>;
  const line = (field: string, from: string | null, to: string | null): DiffLine[] => (from === to ? [] : [{ field, before: from, after: to }]);
  switch (action.kind) {
    case "createVault":
      return {
        summary: `Create Backup vault '${action.name}' in ${action.location} (resource group ${action.resourceGroup}, ${action.storageType}, system-assigned identity)`,
        diff: line("vault", null, str(a.armId)),
      };
    case "createPolicy":
      return {
        summary: `Create backup policy '${action.policyName}' in vault '${action.vault.name}': every ${action.backupInterval}, kept ${action.retention}`,
        diff: line("policy", null, str(a.armId)),
      };
    case "protectServer": {
      const roles = action.rolesToAssign.map((r) => `${r.roleName} on ${lastSegment(r.scope)}`);
      return {
        summary: `Protect '${action.server.name}' in vault '${action.vault.name}' with policy '${action.policy.name}'${roles.length ? `, after assigning ${roles.join(" and ")}` : ""}${action.firstBackup ? ", then take a first backup" : ""}`,
        diff: [
          ...line("verdict", str(b.verdictState), str(a.verdictState)),
          ...line("vault", str(b.backupVaultArmId), str(a.backupVaultArmId)),
          ...line("policy", str(b.policyArmId), str(a.policyArmId)),
          ...line("backup instance", str(b.backupInstanceArmId), str(a.backupInstanceArmId)),
          ...line("protection", str(b.protectionState), str(a.protectionState)),
          ...roleLines(b, a),
        ],
      };
    }
    case "assignRoles":
      return {
        summary: `Assign ${action.rolesToAssign.map((r) => `${r.roleName} on ${lastSegment(r.scope)}`).join(" and ")} to the identity of vault '${action.vault.name}'`,
        diff: [...line("verdict", str(b.verdictState), str(a.verdictState)), ...roleLines(b, a)],
      };
    case "needsTemplate":
      return { summary: `Needs a template: ${action.reason}`, diff: [] };
    case "needsDecision":
      return { summary: `Needs a decision: ${action.reason}`, diff: [] };
  }
}

function roleLines(b: Record<string, unknown>, a: Record<string, unknown>): DiffLine[] {
  const held = new Set(Array.isArray(b.rolesHeld) ? (b.rolesHeld as string[]) : []);
  const wanted = Array.isArray(a.rolesHeld) ? (a.rolesHeld as string[]) : [];
  return wanted.filter((r) => !held.has(r)).map((r) => ({ field: "role", before: null, after: r }));
}
