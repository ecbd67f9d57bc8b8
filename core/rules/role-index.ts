// Role assignments by principal, role and scope, so that "does the vault identity hold Reader on
// this resource group or above?" is a handful of set lookups. Role definitions compare by GUID and
// scopes by lower-cased ARM id (CONTRACT.md section 0).
//
// An assignment covers its scope and everything below it. The scopes above a resource that Flexguard
// can derive from the resource's id alone are its resource group, its subscription and the tenant
// root "/". Management groups are not in the chain, because the
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

  /** The scope keys at which the principal holds the role; undefined when it holds it nowhere. */
  scopesOf(principalId: string, roleDefinitionGuid: string): ReadonlySet<string> | undefined {
    return this.scopes.get(principalId.toLowerCase())?.get(roleDefinitionGuid.toLowerCase());
  }

  /** The scope keys at which the principal holds any of the roles. */
  scopesOfAny(principalId: string, roleDefinitionGuids: readonly string[]): ReadonlySet<string> {
    const union = new Set<string>();
    for (const role of roleDefinitionGuids) for (const scope of this.scopesOf(principalId, role) ?? []) union.add(scope);
    return union;
  }
}

/**
 * Whether an assignment at one of the scopes covers a resource, given its own scope key and the keys
 * above it (resource group, subscription); the tenant root "/" covers everything. Fixed parameters
 * instead of a list: this runs twice per server, 100,000 times an evaluation.
 */
export function coversScope(scopes: ReadonlySet<string> | undefined, own: string, parent: string, grandparent?: string): boolean {
  if (!scopes || scopes.size === 0) return false;
  return scopes.has(own) || scopes.has(parent) || (grandparent !== undefined && scopes.has(grandparent)) || scopes.has("/");
}
