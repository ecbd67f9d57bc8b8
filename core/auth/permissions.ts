// Who may do what. Roles are not a ladder: an approver signs off plans but does not draft them, so that the
// person who drafts and the person who approves are two people with two roles (admins can do both, but never
// approve their own plan: that check lives with plan approval).
import type { Role } from "../db/generated/enums";

export const PERMISSIONS = [
  "fleet:read", // servers, vaults, verdicts, scans, job history, in the actor's subscriptions
  "templates:download",
  "scan:run",
  "rules:write",
  "exemptions:write",
  "plans:draft",
  "plans:approve",
  "runs:control",
  "tokens:own", // create, list and revoke one's own API tokens
  "users:manage",
  "tokens:manage", // everyone's tokens
  "audit:read",
  "settings:write",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const VIEWER: Permission[] = ["fleet:read", "templates:download", "tokens:own"];
const OPERATOR: Permission[] = [...VIEWER, "scan:run", "rules:write", "exemptions:write", "plans:draft", "runs:control"];
const APPROVER: Permission[] = [...VIEWER, "plans:approve"];

export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  VIEWER: new Set(VIEWER),
  OPERATOR: new Set(OPERATOR),
  APPROVER: new Set(APPROVER),
  ADMIN: new Set(PERMISSIONS),
};

export const ROLES: readonly Role[] = ["VIEWER", "OPERATOR", "APPROVER", "ADMIN"];

/** Whether a role holds a permission. */
export const roleCan = (role: Role, permission: Permission): boolean => ROLE_PERMISSIONS[role].has(permission);

/** Whether every permission of `granted` is also held by `holder`: a token may not do more than its owner. */
export const roleCovers = (holder: Role, granted: Role): boolean => [...ROLE_PERMISSIONS[granted]].every((p) => ROLE_PERMISSIONS[holder].has(p));
