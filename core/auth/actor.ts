import type { Role } from "../db/generated/enums";
import { AppError } from "../errors";
import { roleCan, type Permission } from "./permissions";

/** Whoever is acting: a signed-in user, an API token (acting for its owner with the token's role), or the system. */
export interface Actor {
  kind: "user" | "token" | "system";
  /** The user the action is attributed to (the token's owner for tokens); null for the system. */
  userId: string | null;
  /** As shown in the audit log: the user name, or "token:<name> (<user>)", or "system". */
  label: string;
  role: Role;
  /** Subscriptions the actor may see and act on; null means all. */
  subscriptions: string[] | null;
  /** The client's address, for the audit log. */
  sourceIp: string | null;
}

export const SYSTEM_ACTOR: Actor = { kind: "system", userId: null, label: "system", role: "ADMIN", subscriptions: null, sourceIp: null };

/** Throws FORBIDDEN unless the actor's role holds the permission. */
export function authorize(actor: Actor, permission: Permission): void {
  if (!roleCan(actor.role, permission)) throw new AppError("FORBIDDEN", `Your role (${actor.role.toLowerCase()}) does not allow ${permission}`);
}

/** A Prisma `where` fragment that keeps rows to the actor's subscriptions. */
export function subscriptionScope(actor: Actor): { subscriptionId?: { in: string[] } } {
  return actor.subscriptions ? { subscriptionId: { in: actor.subscriptions } } : {};
}

/** Whether a subscription is within the actor's scope. */
export const inScope = (actor: Actor, subscriptionId: string): boolean =>
  actor.subscriptions === null || actor.subscriptions.includes(subscriptionId.toLowerCase());
