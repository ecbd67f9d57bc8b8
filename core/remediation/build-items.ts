// From verdicts to plan items, pure: no database, no clock. draft-plan.ts loads the candidates in batches and feeds
// them here one by one; `finish()` numbers the items (vaults to create first, then policies, then servers in the
// order given) and links each server item to the creation items it depends on.
//
// What each non-compliant server of an enforce-mode rule becomes (the verdict's remediation actions decide):
//   server not Ready, vault without identity, protected in a vault the rule does not accept (retireBackupInstance),
//   a backup instance in error, a backup instance with the wrong or a weaker policy (changePolicy)
//                                      -> needsDecision: a person acts; never automatic
//   no vault in the region             -> when the operator chose to create one there (options.createVaultsIn) and
//                                         the rule says what it must be: createVault + createPolicy + protect;
//                                         otherwise left out (skipped, counted by reason)
//   protect (no backup instance)       -> protectServer, with the missing roles and a createPolicy item when the
//                                         vault lacks a qualifying policy; needsTemplate when a missing role must
//                                         be granted by someone else (rule says templateOnly, or Flexguard's
//                                         principal may not assign at that scope)
//   only roles missing                 -> assignRoles, or needsTemplate as above
import { armGuid, roleAssignmentName } from "../templates/role-assignment-name";
import { compileLowerCaseNamePattern } from "../rules/glob";
import { coversScope, scopeKey } from "../rules/role-index";
import { isoDurationSeconds } from "../rules/duration";
import { vaultIdOfPolicy, type StoredProtectionRule } from "../rules/schemas";
import type { RemediationAction, Verdict } from "../rules/verdict";
import { ROLE, armKey, type ArmResource, type InventoryServer, type VaultSummary } from "../inventory/types";
import type { PlanAction, PlanOptions, PolicyRef, RoleToAssign, ServerRef, ServerSituation, VaultRef } from "./plan-types";

export type VaultStorageType = "LocallyRedundant" | "GeoRedundant" | "ZoneRedundant";

export type PlanningVault = VaultSummary;

export interface PlanningPolicy {
  armId: string;
  name: string;
  vaultArmId: string;
}

/** A live backup instance of a server, as the inventory holds it. */
export interface PlanningInstance {
  armId: string;
  vaultArmId: string;
  policyArmId: string | null;
  protectionState: string | null;
}

export interface CandidateServer extends Pick<InventoryServer, "id" | keyof ArmResource | "state"> {
  verdict: Verdict;
  /** The live backup instances protecting it. */
  instances: readonly PlanningInstance[];
}

export interface PlanningSetup {
  vaults: readonly PlanningVault[];
  policies: readonly PlanningPolicy[];
  rules: readonly StoredProtectionRule[];
  /** Lower-cased scopes where Flexguard's own principal may write role assignments. */
  flexguardWriterScopes: ReadonlySet<string>;
  options: PlanOptions;
  /** Storage redundancy for created vaults, when the operator chose it. */
  vaultStorageType: VaultStorageType | null;
  /** Subscriptions the drafting actor may act in; null: all. */
  actorSubscriptions: readonly string[] | null;
}

/** One item before it is stored; seq and dependsOn are final after finish(). */
export interface DraftItem {
  seq: number;
  kind: PlanAction["kind"];
  serverId: string | null;
  subscriptionId: string;
  vaultArmIdKey: string | null;
  action: PlanAction;
  before: ServerSituation | Record<string, never>;
  after: ServerSituation | { armId: string };
  dependsOn: number[];
  canary: boolean;
  status: "PENDING" | "NEEDS_ACTION";
}

export interface BuiltPlan {
  items: DraftItem[];
  /** Servers left out, by reason. */
  skipped: Record<string, number>;
  /** Regions where servers have no vault: how many servers, whether Flexguard can create one there for them. */
  regionsWithoutVault: { region: string; servers: number; creatable: boolean; planned: boolean }[];
}

/** The deterministic backup instance name: Azure CLI's {server}-{server}-{uuid}, the uuid name-based on vault and server. */
export function backupInstanceName(serverName: string, serverArmId: string, vaultArmId: string): string {
  return `${serverName}-${serverName}-${armGuid(armKey(vaultArmId), armKey(serverArmId))}`;
}

/** The deterministic name of a policy Flexguard creates for a schedule and retention, e.g. flexguard-pgflex-p1w-p3m. */
export function plannedPolicyName(interval: string, retention: string): string {
  return `flexguard-pgflex-${interval}-${retention}`.toLowerCase();
}

/**
 * Role assignment names depend on the identity's principal id; a vault the plan creates has none until it exists.
 * The executor calls this with the new vault's principal id to name the assignments of items whose vault.fromItem
 * is set (planning leaves their assignmentName computed for a principal id of all zeros).
 */
export function rolesForPrincipal(roles: readonly RoleToAssign[], principalId: string, subscriptionId: string): RoleToAssign[] {
  return roles.map((role) => ({ ...role, assignmentName: roleAssignmentName({ scope: role.scope, principalId, subscriptionId, roleDefinitionGuid: role.roleDefinitionGuid }) }));
}

export const UNKNOWN_PRINCIPAL = "00000000-0000-0000-0000-000000000000";
const DEFAULT_INTERVAL = "P1W"; // the Azure CLI's default PostgreSQL flexible server policy: weekly
const DEFAULT_RETENTION = "P3M"; // ... kept three months
const ROLE_NAMES: Record<string, string> = {
  [ROLE.pgFlexLtrBackup]: "PostgreSQL Flexible Server Long Term Retention Backup Role",
  [ROLE.reader]: "Reader",
};
const VAULT_NAME = /^[A-Za-z][A-Za-z0-9-]{1,49}$/;
const VAULT_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.DataProtection\/backupVaults\/([^/]+)$/i;

/** The schedule and retention a policy created for a rule gets: the rule's, or Azure CLI's defaults where it says nothing. */
export function policyShapeFor(minRetention: string | null, maxBackupInterval: string | null): { interval: string; retention: string } {
  const weekly = isoDurationSeconds(DEFAULT_INTERVAL)!;
  const wanted = maxBackupInterval === null ? null : isoDurationSeconds(maxBackupInterval);
  // Weekly satisfies any maximum interval of a week or more; a shorter maximum is taken as the schedule itself.
  const interval = wanted !== null && wanted < weekly ? maxBackupInterval! : DEFAULT_INTERVAL;
  return { interval, retention: minRetention ?? DEFAULT_RETENTION };
}

const lower = (text: string | null) => (text === null ? null : text.toLowerCase());
const roleKey = (roleGuid: string, scope: string) => `${roleGuid.toLowerCase()}@${scopeKey(scope)}`;

interface PendingVault {
  key: string;
  action: Extract<PlanAction, { kind: "createVault" }>;
  seq: number;
}
interface PendingPolicy {
  key: string;
  vaultKey: string;
  action: Extract<PlanAction, { kind: "createPolicy" }>;
  seq: number;
  /** The createVault item this policy's vault comes from, by vault key. */
  vaultFromPlan: boolean;
}
interface PendingServerItem {
  item: Omit<DraftItem, "seq" | "dependsOn" | "canary">;
  vaultKey: string | null;
  policyKey: string | null;
}

/** Collects items from candidates; call add() for each server, then finish(). */
export class PlanBuilder {
  private readonly vaultsByKey = new Map<string, PlanningVault>();
  private readonly policiesByKey = new Map<string, PlanningPolicy>();
  private readonly rulesById = new Map<string, StoredProtectionRule>();
  private readonly newVaults = new Map<string, PendingVault>();
  private readonly newVaultByRuleRegion = new Map<string, string | { reason: string }>();
  private readonly newPolicies = new Map<string, PendingPolicy>();
  private readonly serverItems: PendingServerItem[] = [];
  private readonly skipped: Record<string, number> = {};
  private readonly regions = new Map<string, { servers: number; creatable: boolean; planned: boolean }>();
  private readonly createVaultsIn: ReadonlySet<string>;

  constructor(private readonly setup: PlanningSetup) {
    for (const vault of setup.vaults) this.vaultsByKey.set(armKey(vault.armId), vault);
    for (const policy of setup.policies) this.policiesByKey.set(armKey(policy.armId), policy);
    for (const rule of setup.rules) this.rulesById.set(rule.id, rule);
    this.createVaultsIn = new Set(setup.options.createVaultsIn.map((r) => r.toLowerCase()));
  }

  private skip(reason: string) {
    this.skipped[reason] = (this.skipped[reason] ?? 0) + 1;
  }

  private inScope(subscriptionId: string): boolean {
    return this.setup.actorSubscriptions === null || this.setup.actorSubscriptions.includes(subscriptionId.toLowerCase());
  }

  /** Adds what one server needs, or counts why it is left out. */
  add(server: CandidateServer): void {
    const verdict = server.verdict;
    const rule = verdict.governingRule;
    if (!rule) return this.skip("no rule governs the server");
    if (rule.mode !== "enforce") return this.skip("governed by an audit-mode rule");
    const remediation = verdict.remediation;
    if (!remediation || remediation.actions.length === 0) return this.skip(`nothing to do (${verdict.state.replace(/_/g, " ")})`);
    const stored = this.rulesById.get(rule.id);
    if (!stored) return this.skip("the governing rule no longer exists");

    const ref = serverRef(server);
    const kinds = new Set(remediation.actions.map((a) => a.kind));
    const targetVault = remediation.targetVaultArmId ? this.vaultsByKey.get(armKey(remediation.targetVaultArmId)) : undefined;
    const before = this.situation(server, targetVault?.armId ?? null, remediation.actions);
    const decide = (reason: string, current: string | null = null) =>
      this.pushServer({
        kind: "needsDecision",
        server,
        vaultKey: null,
        policyKey: null,
        action: { kind: "needsDecision", server: ref, reason, currentBackupInstanceArmId: current, targetVault: targetVault ? vaultRef(targetVault) : null },
        before,
        after: before,
      });

    const ready = remediation.actions.find((a): a is Extract<RemediationAction, { kind: "makeServerReady" }> => a.kind === "makeServerReady");
    if (ready) return decide(`The server is ${ready.currentState}, not Ready: Azure Backup cannot protect it until it is started.`);
    const retire = remediation.actions.find((a): a is Extract<RemediationAction, { kind: "retireBackupInstance" }> => a.kind === "retireBackupInstance");
    if (retire)
      return decide(
        `The server is protected by backup instance ${retire.backupInstanceArmId} in a vault ${rule.name ? `rule '${rule.name}'` : "the rule"} does not accept. Moving it to ${targetVault ? `vault '${targetVault.name}'` : "another vault"} stops its current backups, so a person decides.`,
        retire.backupInstanceArmId,
      );
    const identity = remediation.actions.find((a): a is Extract<RemediationAction, { kind: "enableVaultIdentity" }> => a.kind === "enableVaultIdentity");
    if (identity) return decide(`Vault ${targetVault ? `'${targetVault.name}'` : identity.vaultArmId} has no system-assigned managed identity; enable it before roles can be granted to it.`);
    const error = remediation.actions.find((a): a is Extract<RemediationAction, { kind: "resolveProtectionError" }> => a.kind === "resolveProtectionError");
    if (error)
      return decide(
        `Backup instance ${error.backupInstanceArmId} is ${error.protectionState}${error.errorCode ? ` (${error.errorCode}${error.errorMessage ? `: ${error.errorMessage}` : ""})` : ""}: resolve it in Azure.`,
        error.backupInstanceArmId,
      );
    const change = remediation.actions.find((a): a is Extract<RemediationAction, { kind: "changePolicy" }> => a.kind === "changePolicy");
    if (change) return decide(`Backup instance ${change.backupInstanceArmId} uses a policy rule '${rule.name}' does not accept; switching policies of a protected server is left to a person.`, change.backupInstanceArmId);

    if (kinds.has("createVault")) return this.addWithNewVault(server, ref, stored, before);

    const protect = remediation.actions.find((a): a is Extract<RemediationAction, { kind: "protect" }> => a.kind === "protect");
    const missing = remediation.actions.filter((a): a is Extract<RemediationAction, { kind: "assignRole" }> => a.kind === "assignRole");
    if (!targetVault) return this.skip("the target vault is not in the inventory");
    const vault = vaultRef(targetVault);
    const roles = missing.map((m) => roleToAssign(m.roleDefinitionGuid, m.scope, vault.principalId ?? UNKNOWN_PRINCIPAL, server.subscriptionId));
    const templateReason = this.templateReason(stored, missing.filter((m) => !m.flexguardCanAssign).map((m) => m.roleName), missing.length > 0);

    if (protect) {
      const planned = this.policyFor(stored, targetVault, protect.policyArmId, remediation.actions);
      if ("reason" in planned) return this.skip(planned.reason);
      const policyKey = planned.pendingKey;
      const policy: PolicyRef = { armId: planned.armId, name: planned.name, fromItem: null };
      if (templateReason) {
        return this.pushServer({ kind: "needsTemplate", server, vaultKey: null, policyKey, action: { kind: "needsTemplate", server: ref, vault, reason: templateReason }, before, after: before });
      }
      const name = backupInstanceName(server.name, server.armId, targetVault.armId);
      return this.pushServer({
        kind: "protectServer",
        server,
        vaultKey: null,
        policyKey,
        action: { kind: "protectServer", server: ref, vault, policy, rolesToAssign: roles, backupInstanceName: name, firstBackup: this.setup.options.firstBackup, ruleId: rule.id, ruleRevision: rule.revision },
        before,
        after: this.protectedSituation(server, targetVault.armId, policy.armId, name),
      });
    }

    if (missing.length > 0) {
      if (templateReason)
        return this.pushServer({ kind: "needsTemplate", server, vaultKey: null, policyKey: null, action: { kind: "needsTemplate", server: ref, vault, reason: templateReason }, before, after: before });
      return this.pushServer({
        kind: "assignRoles",
        server,
        vaultKey: null,
        policyKey: null,
        action: { kind: "assignRoles", server: ref, vault, rolesToAssign: roles, ruleId: rule.id, ruleRevision: rule.revision },
        before,
        after: { ...before, verdictState: verdict.problems.every((p) => p === "missing_roles") ? "compliant" : before.verdictState, rolesHeld: neededRoles(server).sort() },
      });
    }
    this.skip("no action Flexguard can take");
  }

  /** Why roles must come from a template, or null when Flexguard assigns them itself. */
  private templateReason(rule: StoredProtectionRule, cannotAssign: string[], anyMissing: boolean): string | null {
    if (!anyMissing) return null;
    if (rule.requirement.roleAssignment === "templateOnly")
      return `Rule '${rule.name}' says missing roles are granted by a template, not by Flexguard: download the server's template for its owner.`;
    if (cannotAssign.length > 0)
      return `Flexguard's principal may not assign ${[...new Set(cannotAssign)].join(" and ")} at the server's scope: an owner must deploy the server's template.`;
    return null;
  }

  /** The policy a protect item uses: the one the verdict names (created when it does not exist), or one to create. */
  private policyFor(
    rule: StoredProtectionRule,
    vault: PlanningVault,
    policyArmId: string | null,
    actions: readonly RemediationAction[],
  ): { armId: string; name: string; pendingKey: string | null } | { reason: string } {
    if (policyArmId) {
      const existing = this.policiesByKey.get(armKey(policyArmId));
      if (existing) return { armId: existing.armId, name: existing.name, pendingKey: null };
      // An explicit policy the rule names but the inventory lacks: create it with Azure's default schedule.
      const name = policyArmId.slice(policyArmId.lastIndexOf("/") + 1);
      return this.plannedPolicy(rule, vault, name, DEFAULT_INTERVAL, DEFAULT_RETENTION, false);
    }
    const create = actions.find((a): a is Extract<RemediationAction, { kind: "createPolicy" }> => a.kind === "createPolicy");
    const shape = policyShapeFor(create?.minRetention ?? null, create?.maxBackupInterval ?? null);
    const name = plannedPolicyName(shape.interval, shape.retention);
    const existing = this.policiesByKey.get(armKey(`${vault.armId}/backupPolicies/${name}`));
    if (existing) return { armId: existing.armId, name: existing.name, pendingKey: null };
    return this.plannedPolicy(rule, vault, name, shape.interval, shape.retention, false);
  }

  private plannedPolicy(
    rule: StoredProtectionRule,
    vault: PlanningVault,
    name: string,
    interval: string,
    retention: string,
    vaultFromPlan: boolean,
  ): { armId: string; name: string; pendingKey: string } | { reason: string } {
    if (!this.inScope(vault.subscriptionId)) return { reason: "a backup policy must be created in a vault outside your subscriptions" };
    const armId = `${vault.armId}/backupPolicies/${name}`;
    const key = armKey(armId);
    if (!this.newPolicies.has(key))
      this.newPolicies.set(key, {
        key,
        vaultKey: armKey(vault.armId),
        vaultFromPlan,
        seq: 0,
        action: { kind: "createPolicy", vault: vaultRef(vault), policyName: name, backupInterval: interval, retention, ruleId: rule.id },
      });
    return { armId, name, pendingKey: key };
  }

  /** A server in a region without a usable vault: protected in a vault the plan creates, when the operator chose so. */
  private addWithNewVault(server: CandidateServer, ref: ServerRef, rule: StoredProtectionRule, before: ServerSituation) {
    const region = server.location.replace(/ /g, "").toLowerCase();
    const regionFacts = this.regions.get(region) ?? { servers: 0, creatable: false, planned: false };
    this.regions.set(region, regionFacts);
    regionFacts.servers++;
    const planned = this.newVaultFor(rule, region, server);
    if (typeof planned !== "string") {
      return this.skip(planned.reason);
    }
    regionFacts.creatable = true;
    if (!this.createVaultsIn.has(region)) return this.skip(`no vault in region ${region} (choose to create one)`);
    regionFacts.planned = true;
    const pendingVault = this.newVaults.get(planned)!;
    const vault: PlanningVault = {
      armId: `/subscriptions/${pendingVault.action.subscriptionId}/resourceGroups/${pendingVault.action.resourceGroup}/providers/Microsoft.DataProtection/backupVaults/${pendingVault.action.name}`,
      name: pendingVault.action.name,
      subscriptionId: pendingVault.action.subscriptionId,
      resourceGroup: pendingVault.action.resourceGroup,
      location: region,
      principalId: null,
      storageType: pendingVault.action.storageType,
    };
    let policyName: string;
    let interval = DEFAULT_INTERVAL;
    let retention = DEFAULT_RETENTION;
    if (rule.requirement.policy.kind === "explicit") {
      const named = rule.requirement.policy.policyArmIds.find((id) => armKey(vaultIdOfPolicy(id)) === planned);
      if (!named) return this.skip(`rule '${rule.name}' names no policy for the vault it requires in region ${region}`);
      policyName = named.slice(named.lastIndexOf("/") + 1);
    } else {
      const shape = policyShapeFor(rule.requirement.policy.minRetention ?? null, rule.requirement.policy.maxBackupInterval ?? null);
      ({ interval, retention } = shape);
      policyName = plannedPolicyName(interval, retention);
    }
    const policy = this.plannedPolicy(rule, vault, policyName, interval, retention, true);
    if ("reason" in policy) return this.skip(policy.reason);

    const vaultRefNew: VaultRef = { ...vaultRef(vault), principalId: null, fromItem: null };
    const roles = neededRoleList(server).map((r) => roleToAssign(r.role, r.scope, UNKNOWN_PRINCIPAL, server.subscriptionId));
    const serverKey = armKey(server.armId);
    const rgKey = scopeKey(`/subscriptions/${server.subscriptionId}/resourceGroups/${server.resourceGroup}`);
    const subKey = scopeKey(`/subscriptions/${server.subscriptionId}`);
    const cannot = [
      coversScope(this.setup.flexguardWriterScopes, serverKey, rgKey, subKey) ? null : ROLE_NAMES[ROLE.pgFlexLtrBackup]!,
      coversScope(this.setup.flexguardWriterScopes, rgKey, subKey) ? null : ROLE_NAMES[ROLE.reader]!,
    ].filter((x): x is string => x !== null);
    const templateReason = this.templateReason(rule, cannot, true);
    if (templateReason)
      return this.pushServer({ kind: "needsTemplate", server, vaultKey: planned, policyKey: null, action: { kind: "needsTemplate", server: ref, vault: vaultRefNew, reason: `${templateReason} (The vault is created by this plan.)` }, before, after: before });
    const policyRef: PolicyRef = { armId: policy.armId, name: policy.name, fromItem: null };
    const name = backupInstanceName(server.name, server.armId, vault.armId);
    const verdictRule = server.verdict.governingRule!;
    this.pushServer({
      kind: "protectServer",
      server,
      vaultKey: planned,
      policyKey: policy.pendingKey,
      action: { kind: "protectServer", server: ref, vault: vaultRefNew, policy: policyRef, rolesToAssign: roles, backupInstanceName: name, firstBackup: this.setup.options.firstBackup, ruleId: verdictRule.id, ruleRevision: verdictRule.revision },
      before,
      after: this.protectedSituation(server, vault.armId, policyRef.armId, name),
    });
  }

  /** The vault key the rule's vault in a region would be created as, or why none can be. Decided once per rule and region. */
  private newVaultFor(rule: StoredProtectionRule, region: string, server: CandidateServer): string | { reason: string } {
    const memo = `${rule.id}|${region}`;
    const known = this.newVaultByRuleRegion.get(memo);
    if (known !== undefined) return known;
    const result = this.designVault(rule, region, server);
    this.newVaultByRuleRegion.set(memo, result);
    return result;
  }

  private designVault(rule: StoredProtectionRule, region: string, server: CandidateServer): string | { reason: string } {
    const requirement = rule.requirement.vault;
    let subscriptionId: string;
    let resourceGroup: string;
    let name: string;
    if (requirement.kind === "perRegion") {
      const entry = requirement.vaults.find((v) => v.region === region);
      if (!entry) return { reason: `rule '${rule.name}' names no vault for region ${region}; edit the rule` };
      const match = VAULT_ID.exec(entry.vaultArmId);
      if (!match) return { reason: `rule '${rule.name}' names a vault id Flexguard cannot read for region ${region}` };
      [, subscriptionId, resourceGroup, name] = match as unknown as [string, string, string, string];
    } else {
      if (requirement.tags) return { reason: `rule '${rule.name}' selects vaults by tags, which a vault Flexguard creates would not carry` };
      if (rule.requirement.policy.kind === "explicit") return { reason: `rule '${rule.name}' names a policy per vault, so a new vault could not satisfy it` };
      // The glob's wildcards become the region: "bv-*" -> "bv-westeurope"; "?" -> "x".
      name = requirement.nameGlob!.replace(/\*+/, region).replace(/\*/g, "").replace(/\?/g, "x");
      subscriptionId = server.subscriptionId;
      resourceGroup = server.resourceGroup;
      if (!VAULT_NAME.test(name)) return { reason: `rule '${rule.name}' vault name pattern gives no valid vault name for region ${region}` };
      if (!compileLowerCaseNamePattern(requirement.nameGlob!)(name.toLowerCase())) return { reason: `rule '${rule.name}' vault name pattern gives no valid vault name for region ${region}` };
    }
    subscriptionId = subscriptionId.toLowerCase();
    if (!this.inScope(subscriptionId)) return { reason: `the vault for region ${region} would be created in a subscription outside your subscriptions` };
    const armId = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.DataProtection/backupVaults/${name}`;
    const key = armKey(armId);
    const existing = this.vaultsByKey.get(key);
    if (existing) return { reason: `a vault named ${name} already exists in resource group ${resourceGroup} (region ${existing.location})` };
    if (!this.newVaults.has(key))
      this.newVaults.set(key, {
        key,
        seq: 0,
        action: { kind: "createVault", subscriptionId, resourceGroup, name, location: region, storageType: this.storageTypeFor(rule) },
      });
    return key;
  }

  /** The operator's choice, else what the rule's existing vaults use most, else Azure's default (GeoRedundant). */
  private storageTypeFor(rule: StoredProtectionRule): VaultStorageType {
    if (this.setup.vaultStorageType) return this.setup.vaultStorageType;
    const requirement = rule.requirement.vault;
    const matches =
      requirement.kind === "perRegion"
        ? (() => {
            const keys = new Set(requirement.vaults.map((v) => armKey(v.vaultArmId)));
            return (vault: PlanningVault) => keys.has(armKey(vault.armId));
          })()
        : requirement.nameGlob
          ? (() => {
              const glob = compileLowerCaseNamePattern(requirement.nameGlob!);
              return (vault: PlanningVault) => glob(vault.name.toLowerCase());
            })()
          : () => false;
    const tally = new Map<string, number>();
    for (const vault of this.vaultsByKey.values())
      if (vault.storageType && matches(vault)) tally.set(vault.storageType, (tally.get(vault.storageType) ?? 0) + 1);
    const best = [...tally.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0];
    return best === "LocallyRedundant" || best === "GeoRedundant" || best === "ZoneRedundant" ? best : "GeoRedundant";
  }

  private situation(server: CandidateServer, targetVaultArmId: string | null, actions: readonly RemediationAction[]): ServerSituation {
    const instances = server.instances;
    const current = (targetVaultArmId ? instances.find((i) => armKey(i.vaultArmId) === armKey(targetVaultArmId)) : undefined) ?? instances[0];
    const missing = new Set(actions.flatMap((a) => (a.kind === "assignRole" ? [roleKey(a.roleDefinitionGuid, a.scope)] : [])));
    const noVault = actions.some((a) => a.kind === "createVault" || a.kind === "enableVaultIdentity");
    return {
      verdictState: server.verdict.state,
      serverState: server.state,
      backupInstanceArmId: current?.armId ?? null,
      backupVaultArmId: current?.vaultArmId ?? null,
      policyArmId: current?.policyArmId ?? null,
      protectionState: current?.protectionState ?? null,
      rolesHeld: noVault || !targetVaultArmId ? [] : neededRoles(server).filter((r) => !missing.has(r)).sort(),
    };
  }

  private protectedSituation(server: CandidateServer, vaultArmId: string, policyArmId: string, instanceName: string): ServerSituation {
    return {
      verdictState: "compliant",
      serverState: server.state,
      backupInstanceArmId: `${vaultArmId}/backupInstances/${instanceName}`,
      backupVaultArmId: vaultArmId,
      policyArmId,
      protectionState: "ProtectionConfigured",
      rolesHeld: neededRoles(server).sort(),
    };
  }

  private pushServer(input: {
    kind: DraftItem["kind"];
    server: CandidateServer;
    vaultKey: string | null;
    policyKey: string | null;
    action: PlanAction;
    before: ServerSituation;
    after: ServerSituation;
  }) {
    const vaultArmId = "vault" in input.action && input.action.vault ? input.action.vault.armId : null;
    this.serverItems.push({
      vaultKey: input.vaultKey,
      policyKey: input.policyKey,
      item: {
        kind: input.kind,
        serverId: input.server.id,
        subscriptionId: input.server.subscriptionId.toLowerCase(),
        vaultArmIdKey: vaultArmId ? armKey(vaultArmId) : null,
        action: input.action,
        before: input.before,
        after: input.after,
        status: input.kind === "needsTemplate" || input.kind === "needsDecision" ? "NEEDS_ACTION" : "PENDING",
      },
    });
  }

  /** Numbers the items and links dependencies; vaults first, then policies, then servers in the order added. */
  finish(): BuiltPlan {
    // Only creation items some executable server item needs are kept.
    const usedPolicies = new Set<string>();
    const usedVaults = new Set<string>();
    for (const s of this.serverItems) {
      if (s.item.kind !== "protectServer") continue;
      if (s.policyKey) usedPolicies.add(s.policyKey);
      if (s.vaultKey) usedVaults.add(s.vaultKey);
    }
    // A vault is also kept for servers whose roles need a template: they will be protected in it afterwards.
    for (const s of this.serverItems) if (s.vaultKey) usedVaults.add(s.vaultKey);
    const items: DraftItem[] = [];
    let seq = 0;
    for (const vault of [...this.newVaults.values()].filter((v) => usedVaults.has(v.key)).sort((a, b) => (a.key < b.key ? -1 : 1))) {
      vault.seq = ++seq;
      items.push({
        seq,
        kind: "createVault",
        serverId: null,
        subscriptionId: vault.action.subscriptionId,
        vaultArmIdKey: vault.key,
        action: vault.action,
        before: {},
        after: { armId: `/subscriptions/${vault.action.subscriptionId}/resourceGroups/${vault.action.resourceGroup}/providers/Microsoft.DataProtection/backupVaults/${vault.action.name}` },
        dependsOn: [],
        canary: false,
        status: "PENDING",
      });
    }
    for (const policy of [...this.newPolicies.values()].filter((p) => usedPolicies.has(p.key)).sort((a, b) => (a.key < b.key ? -1 : 1))) {
      policy.seq = ++seq;
      const fromVault = this.newVaults.get(policy.vaultKey);
      const action = fromVault ? { ...policy.action, vault: { ...policy.action.vault, principalId: null, fromItem: fromVault.seq } } : policy.action;
      items.push({
        seq,
        kind: "createPolicy",
        serverId: null,
        subscriptionId: action.vault.subscriptionId.toLowerCase(),
        vaultArmIdKey: policy.vaultKey,
        action,
        before: {},
        after: { armId: `${action.vault.armId}/backupPolicies/${action.policyName}` },
        dependsOn: fromVault ? [fromVault.seq] : [],
        canary: false,
        status: "PENDING",
      });
    }
    let canaryLeft = this.setup.options.canarySize;
    for (const s of this.serverItems) {
      const dependsOn: number[] = [];
      let action = s.item.action;
      const vault = s.vaultKey ? this.newVaults.get(s.vaultKey) : undefined;
      if (vault && (action.kind === "protectServer" || action.kind === "needsTemplate")) {
        action = { ...action, vault: { ...action.vault, fromItem: vault.seq } };
        if (action.kind === "protectServer") dependsOn.push(vault.seq);
      }
      const policy = s.policyKey ? this.newPolicies.get(s.policyKey) : undefined;
      if (policy && action.kind === "protectServer") {
        action = { ...action, policy: { ...action.policy, fromItem: policy.seq } };
        dependsOn.push(policy.seq);
      }
      const executable = action.kind === "protectServer" || action.kind === "assignRoles";
      const canary = executable && canaryLeft > 0;
      if (canary) canaryLeft--;
      items.push({ ...s.item, action, seq: ++seq, dependsOn: [...new Set(dependsOn)].sort((a, b) => a - b), canary });
    }
    return {
      items,
      skipped: { ...this.skipped },
      regionsWithoutVault: [...this.regions.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([region, facts]) => ({ region, ...facts })),
    };
  }
}

function serverRef(server: CandidateServer): ServerRef {
  return {
    id: server.id,
    armId: server.armId,
    name: server.name,
    subscriptionId: server.subscriptionId.toLowerCase(),
    resourceGroup: server.resourceGroup,
    location: server.location,
  };
}

function vaultRef(vault: PlanningVault): VaultRef {
  return {
    armId: vault.armId,
    name: vault.name,
    subscriptionId: vault.subscriptionId.toLowerCase(),
    resourceGroup: vault.resourceGroup,
    location: vault.location,
    principalId: lower(vault.principalId),
    fromItem: null,
  };
}

/** The two roles a vault identity needs for a server: the LTR backup role on it, Reader on its resource group. */
function neededRoleList(server: Pick<CandidateServer, "armId" | "subscriptionId" | "resourceGroup">) {
  return [
    { role: ROLE.pgFlexLtrBackup, scope: server.armId },
    { role: ROLE.reader, scope: `/subscriptions/${server.subscriptionId}/resourceGroups/${server.resourceGroup}` },
  ];
}

const neededRoles = (server: CandidateServer) => neededRoleList(server).map((r) => roleKey(r.role, r.scope));

function roleToAssign(roleDefinitionGuid: string, scope: string, principalId: string, subscriptionId: string): RoleToAssign {
  const role = roleDefinitionGuid.toLowerCase();
  return {
    roleDefinitionGuid: role,
    roleName: ROLE_NAMES[role] ?? role,
    scope,
    assignmentName: roleAssignmentName({ scope, principalId, subscriptionId, roleDefinitionGuid: role }),
  };
}

/** Re-marks canary items after the canary size changed: the first `size` executable items by seq. */
export function markCanary<T extends { seq: number; kind: string; canary: boolean }>(items: T[], size: number): T[] {
  let left = size;
  return [...items]
    .sort((a, b) => a.seq - b.seq)
    .map((item) => {
      const executable = item.kind === "protectServer" || item.kind === "assignRoles";
      const canary = executable && left > 0;
      if (canary) left--;
      return { ...item, canary };
    });
}
