// Role assignments by principal, role and scope, so that "does the vault identity hold Reader on
// this resource group or above?" is a handful of set lookups. Role definitions compare by GUID and
// scopes by lower-cased ARM id (CONTRACT.md section 0).
//
// An assignment covers its scope and everything below it. A scope chain lists the scopes above a
// resource that Flexguard can derive from the resource's id alone: the resource, its resource group,
// its subscription and the tenant root "/". Management groups are not in the chain, because the
// inventory does not say which subscriptions sit under which group, so an assignment made at a
// management group is not counted (the verdict then asks for a role that may already be inherited,
// which a validation run in Azure would clear).
import type { InventoryRoleAssignment } from "@/core/inventory/types";

/** The key an assignment scope is compared by: lower-cased, without a trailing "/" (except the root itself). */
export function scopeKey(scope: string): string {
  const lower = scope.toLowerCase();
  return lower.length > 1 && lower.endsWith("/") ? lower.replace(/\/+$/, "") || "/" : lower;
}

export class RoleIndex {
  // principal id (lower) -> role GUID (lower) -> scope keys
  private readonly scopes = new Map<string, Map<string, Set<string>>>();

  constructor(assignments: readonly InventoryRoleAssignment[]) {
    for (const assignment of assignments) {
      const principal = assignment.principalId.toLowerCase();
      let roles = this.scopes.get(principal);
      if (!roles) this.scopes.set(principal, (roles = new Map()));
      const role = assignment.roleDefinitionGuid.toLowerCase();
      let scopes = roles.get(role);
      if (!scopes) roles.set(role, (scopes = new Set()));
      scopes.add(scopeKey(assignment.scope));
    }
  }

  /** Whether the principal holds the role at any scope of the chain (the resource itself or above). */
  holds(principalId: string, roleDefinitionGuid: string, scopeChain: readonly string[]): boolean {
    const scopes = this.scopes.get(principalId.toLowerCase())?.get(roleDefinitionGuid.toLowerCase());
    if (!scopes) return false;
    for (const scope of scopeChain) if (scopes.has(scope)) return true;
    return false;
  }

  /** Whether the principal holds any of the roles at any scope of the chain. */
  holdsAny(principalId: string, roleDefinitionGuids: readonly string[], scopeChain: readonly string[]): boolean {
    return roleDefinitionGuids.some((role) => this.holds(principalId, role, scopeChain));
  }
}
