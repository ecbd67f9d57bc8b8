// The pure compliance evaluation: inventory + rules + exemptions + time -> one verdict per server.
// No database, no clock, no I/O: the evaluate job loads, calls this, and writes what changed.
//
// buildEvaluationContext indexes everything but the servers once (vaults by region; backup
// instances and server-level role assignments joined per server; other role assignments by
// principal; exemptions by target; rules compiled in precedence order), so that each server then
// costs one join lookup, a few set lookups and the scope checks of the rules that can reach its
// subscription, region and version. Servers are passed one at a time, so callers can stream them.
//
// How a server is judged, in order:
//   1. Governing rule: the first enabled rule by precedence (order, then name, then id) whose scope
//      matches and whose exclusions do not; none -> not_in_scope.
//   2. Every check below runs and records what it finds; the most urgent finding (VERDICT_STATES
//      order) becomes the state, and the others stay in `problems`, `reasons` and the remediation.
//   3. An active exemption for that rule (or for all rules) turns the state into exempt and keeps
//      the underlying state in exemptedState; expired ones are listed and no longer apply.
import {
  ROLE,
  ROLE_ASSIGNMENT_WRITERS,
  armKey,
  type InventoryBackupInstance,
  type InventoryBackupPolicy,
  type InventoryRoleAssignment,
  type InventoryServer,
  type InventoryVault,
} from "@/core/inventory/types";
import { ExemptionIndex } from "@/core/exemptions/exemption-index";
import type { StoredExemption } from "@/core/exemptions/schemas";
import { compileRuleReach, compileTagConditions, placeMatches, reachesServer, type RuleReach } from "./compile-selector";
import { isoDurationSeconds, scheduleIntervalText } from "./duration";
import { compileLowerCaseNamePattern } from "./glob";
import { PROTECTION_RANK, classifyProtection, protectionStateOf, type ProtectionClass } from "./protection-state";
import { RoleIndex, coversScope, scopeKey } from "./role-index";
import { normaliseRegion, vaultIdOfPolicy, type PolicyRequirement, type StoredProtectionRule, type VaultRequirement } from "./schemas";
import { ServerFactsCache, lowerCaseTagMap, serverFacts, type ServerFacts } from "./server-facts";
import {
  VERDICT_STATES,
  type MissingRole,
  type Remediation,
  type RemediationAction,
  type RuleRef,
  type Verdict,
  type VerdictState,
} from "./verdict";

export const PG_FLEX_DATASOURCE_TYPE = "Microsoft.DBforPostgreSQL/flexibleServers";

/** A subscription whose last scan could not read everything (access denied, throttled out, failed). */
export interface InventoryGap {
  subscriptionId: string;
  reason: string;
}

export interface EvaluationSetup {
  vaults: readonly InventoryVault[];
  backupPolicies: readonly InventoryBackupPolicy[];
  backupInstances: readonly InventoryBackupInstance[];
  roleAssignments: readonly InventoryRoleAssignment[];
  /** Servers in these subscriptions, or whose target vault is in one, are not_evaluable rather than guessed at. */
  inventoryGaps?: readonly InventoryGap[];
  /** Every rule; disabled ones are ignored. */
  rules: readonly StoredProtectionRule[];
  exemptions: readonly StoredExemption[];
  /** The principal Flexguard runs as, whose role-assignment rights decide "assign" versus "template"; null if unknown. */
  flexguardPrincipalId: string | null;
}

const ROLE_NAMES: Readonly<Record<string, string>> = {
  [ROLE.pgFlexLtrBackup]: "PostgreSQL Flexible Server Long Term Retention Backup Role",
  [ROLE.reader]: "Reader",
};

// ---------------------------------------------------------------------------------------------
// Vault and policy resolution, per rule, cached by region and by vault

type VaultResolution =
  | { usable: true; accepted: ReadonlySet<string>; target: InventoryVault }
  | { usable: false; state: "no_vault_in_region" | "not_evaluable"; reason: string };

interface PolicyTarget {
  /** The policy a new or corrected backup instance should use; null when the vault has none that qualifies. */
  policyArmId: string | null;
  /** Why there is none, when there is none. */
  missingReason: string | null;
}

type PolicyCheck = { ok: true } | { ok: false; state: "wrong_policy" | "policy_weaker" | "not_evaluable"; reasons: string[] };

interface CompiledRule {
  ref: RuleRef;
  rule: StoredProtectionRule;
  /** "rule 'name'", and the reasons a compliant server gives: built once, shared by every verdict. */
  described: string;
  compliantReasons: readonly string[];
  reach: RuleReach;
  // Caches filled as servers are judged: a fleet has few regions, vaults and policies.
  vaultByRegion: Map<string, VaultResolution>;
  policyTargetByVault: Map<InventoryVault, PolicyTarget>;
  policyCheckByPolicy: Map<InventoryBackupPolicy, PolicyCheck>;
  /** explicit policy requirement: vault key -> the required policy's id and key. */
  explicitPolicyByVault: ReadonlyMap<string, { armId: string; key: string }> | null;
}

/** A backup instance with what every server check needs, worked out once. */
interface IndexedInstance {
  instance: InventoryBackupInstance;
  vaultKey: string;
  /** undefined when the vault is not in the inventory. */
  vault: InventoryVault | undefined;
  policyKey: string | null;
  /** undefined when the instance names no policy or one not in the inventory. */
  policy: InventoryBackupPolicy | undefined;
  protection: ProtectionClass;
}

const healthiestFirst = (a: IndexedInstance, b: IndexedInstance) =>
  PROTECTION_RANK[a.protection] - PROTECTION_RANK[b.protection] || compareText(armKey(a.instance.armId), armKey(b.instance.armId));

/**
 * Everything the inventory holds about one server besides its row, so that a server costs one lookup
 * in a 100,000-entry map instead of one per kind of fact: such lookups miss the CPU caches, and
 * they, not the arithmetic, set the evaluator's pace.
 */
interface ServerJoin {
  /** Live backup instances protecting the server, healthiest first. */
  live: IndexedInstance[];
  /** Soft-deleted ones, which protect nothing but are worth a mention. */
  deleted: IndexedInstance[];
  /** Lower-cased principal ids holding the LTR backup role at exactly the server's scope (where it is usually assigned). */
  ltrBackupPrincipals: string[];
}

// Shared and frozen: most servers have no instance in a second vault, no other matching rule, no
// expired exemption; 100,000 verdicts need not each carry their own empty array.
const NO_INSTANCES: IndexedInstance[] = Object.freeze([]) as unknown as IndexedInstance[];
const NONE: readonly never[] = Object.freeze([]);
const NOT_IN_SCOPE_REASONS: readonly string[] = Object.freeze(["No enabled rule's scope includes the server."]);

// A join starts with shared empty lists and gets its own on the first entry: most servers have one
// instance and one server-level assignment, and none soft-deleted.
const NO_PRINCIPALS: string[] = Object.freeze([]) as unknown as string[];
const NO_JOIN: ServerJoin = Object.freeze({ live: NO_INSTANCES, deleted: NO_INSTANCES, ltrBackupPrincipals: NO_PRINCIPALS }) as unknown as ServerJoin;

/** Appends to a list that may still be a shared empty one. */
function appended<T>(list: T[], item: T, empty: T[]): T[] {
  if (list === empty) return [item];
  list.push(item);
  return list;
}

const SERVER_SCOPE_MARKER = "/providers/microsoft.dbforpostgresql/flexibleservers/";

/** Whether a lower-cased scope key is a flexible server itself (not something above or below it). */
function isServerScope(key: string): boolean {
  const at = key.indexOf(SERVER_SCOPE_MARKER);
  return at !== -1 && key.indexOf("/", at + SERVER_SCOPE_MARKER.length) === -1;
}

/** The role-assignment scopes a vault's identity holds the two backup roles at. */
interface VaultRoleScopes {
  principalKey: string | null;
  /** Scopes above the server level (server-level ones are in each ServerJoin). */
  ltrBackup: ReadonlySet<string> | undefined;
  reader: ReadonlySet<string> | undefined;
}

/**
 * Everything but the servers, indexed. Built once per evaluation; the Maps marked as caches fill as
 * servers are judged, which is why a context must not be shared between different inputs.
 */
export interface EvaluationContext {
  readonly rules: readonly CompiledRule[];
  /** Cache: subscription -> region -> version -> the rules whose subscription, region and version criteria admit that place. */
  readonly rulesByPlace: Map<string, Map<string, Map<string, readonly CompiledRule[]>>>;
  readonly factsCache: ServerFactsCache;
  /** Cache: the backup-role scopes of each vault's identity. */
  readonly vaultRoleScopes: Map<InventoryVault, VaultRoleScopes>;
  /** Scope keys where Flexguard's principal holds a role that may write role assignments. */
  readonly flexguardWriterScopes: ReadonlySet<string>;
  readonly vaultsByKey: ReadonlyMap<string, InventoryVault>;
  readonly vaultsByRegion: ReadonlyMap<string, readonly InventoryVault[]>;
  readonly vaultTags: ReadonlyMap<string, ReadonlyMap<string, string>>;
  readonly policiesByKey: ReadonlyMap<string, InventoryBackupPolicy>;
  readonly policiesByVault: ReadonlyMap<string, readonly InventoryBackupPolicy[]>;
  /** Per lower-cased server id, what else the inventory knows about the server: one lookup per server. */
  readonly serverJoins: ReadonlyMap<string, ServerJoin>;
  readonly roles: RoleIndex;
  readonly exemptions: ExemptionIndex;
  readonly gapsBySubscription: ReadonlyMap<string, string>;
  readonly flexguardPrincipalId: string | null;
}


const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function push<K, V>(map: Map<K, V[]>, key: K, value: V) {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function memoised(transform: (text: string) => string): (text: string) => string {
  const cache = new Map<string, string>();
  return (text) => {
    let result = cache.get(text);
    if (result === undefined) cache.set(text, (result = transform(text)));
    return result;
  };
}

const subscriptionOfArmId = (armId: string): string => /^\/subscriptions\/([^/]+)/i.exec(armId)?.[1]?.toLowerCase() ?? "";

/** Indexes the inventory, rules and exemptions once; the result serves any number of evaluateServer calls. */
export function buildEvaluationContext(setup: EvaluationSetup): EvaluationContext {
  const vaultsByKey = new Map<string, InventoryVault>();
  const vaultsByRegion = new Map<string, InventoryVault[]>();
  const vaultTags = new Map<string, ReadonlyMap<string, string>>();
  for (const vault of [...setup.vaults].sort((a, b) => compareText(armKey(a.armId), armKey(b.armId)))) {
    const key = armKey(vault.armId);
    vaultsByKey.set(key, vault);
    vaultTags.set(key, lowerCaseTagMap(vault.tags));
    push(vaultsByRegion, normaliseRegion(vault.location), vault);
  }

  const policiesByKey = new Map<string, InventoryBackupPolicy>();
  const policiesByVault = new Map<string, InventoryBackupPolicy[]>();
  for (const policy of [...setup.backupPolicies].sort((a, b) => compareText(armKey(a.armId), armKey(b.armId)))) {
    policiesByKey.set(armKey(policy.armId), policy);
    push(policiesByVault, armKey(policy.vaultArmId), policy);
  }

  const serverJoins = new Map<string, ServerJoin>();
  const joinOf = (serverKey: string): ServerJoin => {
    let join = serverJoins.get(serverKey);
    if (!join) serverJoins.set(serverKey, (join = { live: NO_INSTANCES, deleted: NO_INSTANCES, ltrBackupPrincipals: NO_PRINCIPALS }));
    return join;
  };
  // 100,000 instances name a few dozen vaults and policies: lower-case each spelling once.
  const vaultKeyOf = memoised(armKey);
  const policyKeyOf = memoised(armKey);
  for (const instance of setup.backupInstances) {
    const vaultKey = vaultKeyOf(instance.vaultArmId);
    const policyKey = instance.policyArmId === null ? null : policyKeyOf(instance.policyArmId);
    const protection = classifyProtection(instance);
    const join = joinOf(armKey(instance.dataSourceArmId));
    const indexed: IndexedInstance = {
      instance,
      vaultKey,
      vault: vaultsByKey.get(vaultKey),
      policyKey,
      policy: policyKey === null ? undefined : policiesByKey.get(policyKey),
      protection,
    };
    if (protection === "deleted") join.deleted = appended(join.deleted, indexed, NO_INSTANCES);
    else join.live = appended(join.live, indexed, NO_INSTANCES);
  }
  for (const join of serverJoins.values()) if (join.live.length > 1) join.live.sort(healthiestFirst);

  // The LTR backup role sits on each server: those assignments go with the server's join, the
  // rest (resource group, subscription and root scopes, and the role writers) into the role index.
  const otherAssignments: InventoryRoleAssignment[] = [];
  for (const assignment of setup.roleAssignments) {
    const role = assignment.roleDefinitionGuid;
    if (role === ROLE.pgFlexLtrBackup || role.toLowerCase() === ROLE.pgFlexLtrBackup) {
      const key = scopeKey(assignment.scope);
      if (isServerScope(key)) {
        const join = joinOf(key);
        join.ltrBackupPrincipals = appended(join.ltrBackupPrincipals, assignment.principalId.toLowerCase(), NO_PRINCIPALS);
        continue;
      }
    }
    otherAssignments.push(assignment);
  }

  const rules = setup.rules
    .filter((rule) => rule.enabled)
    .sort((a, b) => a.order - b.order || compareText(a.name, b.name) || compareText(a.id, b.id))
    .map(compileRule);

  const roles = new RoleIndex(otherAssignments);
  return {
    rules,
    rulesByPlace: new Map(),
    factsCache: new ServerFactsCache(),
    vaultRoleScopes: new Map(),
    flexguardWriterScopes: setup.flexguardPrincipalId === null ? new Set() : roles.scopesOfAny(setup.flexguardPrincipalId, ROLE_ASSIGNMENT_WRITERS),
    vaultsByKey,
    vaultsByRegion,
    vaultTags,
    policiesByKey,
    policiesByVault,
    serverJoins,
    roles,
    exemptions: new ExemptionIndex(setup.exemptions),
    gapsBySubscription: new Map((setup.inventoryGaps ?? []).map((gap) => [gap.subscriptionId.toLowerCase(), gap.reason])),
    flexguardPrincipalId: setup.flexguardPrincipalId,
  };
}

function compileRule(rule: StoredProtectionRule): CompiledRule {
  const policy = rule.requirement.policy;
  const described = `rule '${rule.name}'`;
  return {
    ref: { id: rule.id, name: rule.name, revision: rule.revision, order: rule.order, mode: rule.mode },
    rule,
    described,
    compliantReasons: Object.freeze([`The server is protected as ${described} requires.`]),
    reach: compileRuleReach(rule.scope, rule.exclusions),
    vaultByRegion: new Map(),
    policyTargetByVault: new Map(),
    policyCheckByPolicy: new Map(),
    explicitPolicyByVault:
      policy.kind === "explicit" ? new Map(policy.policyArmIds.map((id) => [armKey(vaultIdOfPolicy(id)), { armId: id, key: armKey(id) }])) : null,
  };
}

const describeRule = (rule: CompiledRule) => rule.described;

function resolveVault(ctx: EvaluationContext, rule: CompiledRule, region: string): VaultResolution {
  const cached = rule.vaultByRegion.get(region);
  if (cached) return cached;
  const resolution = computeVaultResolution(ctx, rule, rule.rule.requirement.vault, region);
  rule.vaultByRegion.set(region, resolution);
  return resolution;
}

function computeVaultResolution(ctx: EvaluationContext, rule: CompiledRule, requirement: VaultRequirement, region: string): VaultResolution {
  if (requirement.kind === "perRegion") {
    const entry = requirement.vaults.find((candidate) => candidate.region === region);
    if (!entry)
      return { usable: false, state: "no_vault_in_region", reason: `${describeRule(rule)} names no vault for region ${region}.` };
    const vault = ctx.vaultsByKey.get(armKey(entry.vaultArmId));
    if (!vault) {
      const gap = ctx.gapsBySubscription.get(subscriptionOfArmId(entry.vaultArmId));
      return gap
        ? { usable: false, state: "not_evaluable", reason: `The vault ${entry.vaultArmId} that ${describeRule(rule)} names for region ${region} is in a subscription the last scan could not fully read (${gap}).` }
        : { usable: false, state: "no_vault_in_region", reason: `The vault ${entry.vaultArmId} that ${describeRule(rule)} names for region ${region} is not in the inventory (deleted, or not visible to Flexguard).` };
    }
    const vaultRegion = normaliseRegion(vault.location);
    if (vaultRegion !== region)
      return { usable: false, state: "no_vault_in_region", reason: `Vault '${vault.name}', which ${describeRule(rule)} names for region ${region}, is in region ${vaultRegion}; Azure Backup needs a vault in the server's region.` };
    return { usable: true, accepted: new Set([armKey(vault.armId)]), target: vault };
  }

  const matchesName = requirement.nameGlob === undefined ? () => true : compileLowerCaseNamePattern(requirement.nameGlob);
  const matchesTags = compileTagConditions(requirement.tags);
  const matching = (ctx.vaultsByRegion.get(region) ?? []).filter(
    (vault) => matchesName(vault.name.toLowerCase()) && matchesTags(ctx.vaultTags.get(armKey(vault.armId)) ?? new Map()),
  );
  // With explicit policies, a vault for which the rule names no policy could never satisfy it.
  const accepted = rule.explicitPolicyByVault
    ? matching.filter((vault) => rule.explicitPolicyByVault!.has(armKey(vault.armId)))
    : matching;
  const target = accepted[0];
  if (target) return { usable: true, accepted: new Set(accepted.map((vault) => armKey(vault.armId))), target };

  const wanted = [
    requirement.nameGlob !== undefined ? `whose name matches '${requirement.nameGlob}'` : null,
    requirement.tags ? `whose tags meet ${requirement.tags.length} condition${requirement.tags.length === 1 ? "" : "s"}` : null,
  ].filter(Boolean).join(" and ");
  const reason =
    matching.length > 0
      ? `Vault${matching.length === 1 ? "" : "s"} ${matching.map((vault) => `'${vault.name}'`).join(", ")} in region ${region} match ${describeRule(rule)}, but the rule names no policy for ${matching.length === 1 ? "it" : "them"}.`
      : `No Backup vault in region ${region} ${wanted}, as ${describeRule(rule)} requires.`;
  // A vault may exist in a subscription the scan could not read; then the answer is unknown, not "none".
  if (matching.length === 0 && ctx.gapsBySubscription.size > 0)
    return { usable: false, state: "not_evaluable", reason: `${reason} Subscriptions ${[...ctx.gapsBySubscription.keys()].sort().join(", ")} could not be fully read, so such a vault may exist.` };
  return { usable: false, state: "no_vault_in_region", reason };
}

const isPgFlexPolicy = (policy: InventoryBackupPolicy) =>
  policy.datasourceTypes.some((type) => type.toLowerCase() === PG_FLEX_DATASOURCE_TYPE.toLowerCase());

function policyTarget(ctx: EvaluationContext, rule: CompiledRule, vault: InventoryVault): PolicyTarget {
  const cached = rule.policyTargetByVault.get(vault);
  if (cached) return cached;
  const vaultKey = armKey(vault.armId);
  let target: PolicyTarget;
  if (rule.explicitPolicyByVault) {
    const policyArmId = rule.explicitPolicyByVault.get(vaultKey)?.armId ?? null;
    target = { policyArmId, missingReason: policyArmId ? null : `${describeRule(rule)} names no policy for vault '${vault.name}'.` };
  } else {
    // The first (by id) PostgreSQL policy of the vault that meets the constraints.
    const candidate = (ctx.policiesByVault.get(vaultKey) ?? []).find(
      (policy) => isPgFlexPolicy(policy) && checkConstraints(rule, policy).ok,
    );
    target = candidate
      ? { policyArmId: candidate.armId, missingReason: null }
      : { policyArmId: null, missingReason: `Vault '${vault.name}' has no PostgreSQL flexible server policy that meets ${describeRule(rule)}; one must be created.` };
  }
  rule.policyTargetByVault.set(vault, target);
  return target;
}

function checkConstraints(rule: CompiledRule, policy: InventoryBackupPolicy): PolicyCheck {
  const cached = rule.policyCheckByPolicy.get(policy);
  if (cached) return cached;
  const requirement = rule.rule.requirement.policy as Extract<PolicyRequirement, { kind: "constraints" }>;
  const weaker: string[] = [];
  const unreadable: string[] = [];
  if (requirement.minRetention !== undefined) {
    if (policy.defaultRetention === null) weaker.push(`Policy '${policy.name}' has no default retention rule; ${describeRule(rule)} requires at least ${requirement.minRetention}.`);
    else {
      const retention = isoDurationSeconds(policy.defaultRetention);
      if (retention === null) unreadable.push(`Policy '${policy.name}' has a retention of '${policy.defaultRetention}', which is not an ISO 8601 duration Flexguard can read.`);
      else if (retention < isoDurationSeconds(requirement.minRetention)!)
        weaker.push(`Policy '${policy.name}' keeps backups for ${policy.defaultRetention}, less than the ${requirement.minRetention} that ${describeRule(rule)} requires.`);
    }
  }
  if (requirement.maxBackupInterval !== undefined) {
    if (policy.backupInterval === null) weaker.push(`Policy '${policy.name}' has no backup schedule; ${describeRule(rule)} requires a backup at least every ${requirement.maxBackupInterval}.`);
    else {
      const intervalText = scheduleIntervalText(policy.backupInterval);
      const interval = isoDurationSeconds(intervalText);
      if (interval === null) unreadable.push(`Policy '${policy.name}' has a backup interval of '${policy.backupInterval}', which is not an ISO 8601 duration Flexguard can read.`);
      else if (interval > isoDurationSeconds(requirement.maxBackupInterval)!)
        weaker.push(`Policy '${policy.name}' backs up every ${intervalText}, less often than the every ${requirement.maxBackupInterval} that ${describeRule(rule)} requires.`);
    }
  }
  const check: PolicyCheck =
    unreadable.length > 0
      ? { ok: false, state: "not_evaluable", reasons: unreadable }
      : weaker.length > 0
        ? { ok: false, state: "policy_weaker", reasons: weaker }
        : { ok: true };
  rule.policyCheckByPolicy.set(policy, check);
  return check;
}

const OK: PolicyCheck = { ok: true };

function checkInstancePolicy(ctx: EvaluationContext, rule: CompiledRule, { instance, policyKey, policy }: IndexedInstance, vaultKey: string): PolicyCheck {
  if (rule.explicitPolicyByVault) {
    const required = rule.explicitPolicyByVault.get(vaultKey);
    if (required && policyKey === required.key) return OK;
    const current = instance.policyArmId === null ? "no policy" : `policy '${policy?.name ?? instance.policyArmId}'`;
    const wanted = required ? `policy '${ctx.policiesByKey.get(required.key)?.name ?? required.armId}'` : "a policy the rule does not name";
    return { ok: false, state: "wrong_policy", reasons: [`The backup instance uses ${current}; ${describeRule(rule)} requires ${wanted}.`] };
  }
  if (instance.policyArmId === null)
    return { ok: false, state: "not_evaluable", reasons: ["The backup instance names no backup policy, so its retention and schedule are unknown."] };
  if (!policy)
    return { ok: false, state: "not_evaluable", reasons: [`The backup instance's policy ${instance.policyArmId} is not in the inventory, so its retention and schedule are unknown.`] };
  return checkConstraints(rule, policy);
}

// ---------------------------------------------------------------------------------------------
// Findings for one server

const STATE_RANK: ReadonlyMap<VerdictState, number> = new Map(VERDICT_STATES.map((state, index) => [state, index]));

const ACTION_ORDER: Readonly<Record<RemediationAction["kind"], number>> = {
  makeServerReady: 0,
  createVault: 1,
  enableVaultIdentity: 2,
  assignRole: 3,
  createPolicy: 4,
  resolveProtectionError: 5,
  protect: 6,
  changePolicy: 7,
  retireBackupInstance: 8,
};

const byRankThenSequence = (a: { rank: number; sequence: number }, b: { rank: number; sequence: number }) => a.rank - b.rank || a.sequence - b.sequence;
const byStateRank = (a: VerdictState, b: VerdictState) => STATE_RANK.get(a)! - STATE_RANK.get(b)!;
const byActionOrder = (a: { action: RemediationAction; index: number }, b: { action: RemediationAction; index: number }) =>
  ACTION_ORDER[a.action.kind] - ACTION_ORDER[b.action.kind] || a.index - b.index;

/** What the checks of one server found. Most servers are compliant, so nothing is allocated until something is found. */
class Findings {
  private problems: VerdictState[] | null = null;
  private reasons: { rank: number; sequence: number; text: string }[] | null = null;
  actions: RemediationAction[] | null = null;
  missingRoles: MissingRole[] | null = null;
  /** The vault and policy the server should end up with, once a usable vault is known. */
  targetVaultArmId: string | null = null;
  targetPolicyArmId: string | null = null;

  /** A problem, with the sentence that explains it. */
  problem(state: VerdictState, text: string) {
    if (this.problems === null) this.problems = [state];
    else if (!this.problems.includes(state)) this.problems.push(state);
    this.reason(STATE_RANK.get(state)!, text);
  }

  /** A remark that is not a problem in itself (listed after the problems). */
  note(text: string) {
    this.reason(VERDICT_STATES.length, text);
  }

  private reason(rank: number, text: string) {
    (this.reasons ??= []).push({ rank, sequence: this.reasons.length, text });
  }

  action(action: RemediationAction) {
    (this.actions ??= []).push(action);
  }

  missingRole(role: MissingRole) {
    (this.missingRoles ??= []).push(role);
  }

  hasAction(kind: RemediationAction["kind"]): boolean {
    return this.actions !== null && this.actions.some((action) => action.kind === kind);
  }

  state(): VerdictState {
    if (this.problems === null) return "compliant";
    let best = this.problems[0]!;
    for (const state of this.problems) if (STATE_RANK.get(state)! < STATE_RANK.get(best)!) best = state;
    return best;
  }

  sortedProblems(): readonly VerdictState[] {
    return this.problems === null ? NONE : this.problems.sort(byStateRank);
  }

  sortedReasons(): readonly string[] {
    return this.reasons === null ? NONE : this.reasons.sort(byRankThenSequence).map((reason) => reason.text);
  }

  sortedActions(): RemediationAction[] {
    if (this.actions === null) return [];
    return this.actions.map((action, index) => ({ action, index })).sort(byActionOrder).map(({ action }) => action);
  }
}

function describeInstance({ instance, vault }: IndexedInstance): string {
  return `backup instance '${instance.name}' in vault '${vault?.name ?? instance.vaultArmId}'`;
}

function assessServer(ctx: EvaluationContext, facts: ServerFacts, rule: CompiledRule): Findings {
  const findings = new Findings();
  const server = facts.server;

  const gap = ctx.gapsBySubscription.size === 0 ? undefined : ctx.gapsBySubscription.get(facts.subscriptionKey);
  if (gap) {
    findings.problem("not_evaluable", `The last scan could not fully read subscription ${server.subscriptionId} (${gap}), so the server's protection is unknown.`);
    return findings;
  }
  if (server.state === null) {
    findings.problem("not_evaluable", "The scan recorded no state for the server.");
    return findings;
  }
  if (server.state !== "Ready" && server.state.toLowerCase() !== "ready") {
    findings.problem("server_not_ready", `The server is ${server.state}, not Ready; Azure Backup only backs up servers that are Ready.`);
    findings.action({ kind: "makeServerReady", currentState: server.state });
  }

  const join = ctx.serverJoins.get(facts.armKey) ?? NO_JOIN;
  for (const deleted of join.deleted) findings.note(`The ${describeInstance(deleted)} is ${protectionStateOf(deleted.instance)} and protects nothing.`);
  const live = join.live;

  const resolution = resolveVault(ctx, rule, facts.region);
  if (!resolution.usable) {
    findings.problem(resolution.state, resolution.reason);
    if (resolution.state === "no_vault_in_region") findings.action({ kind: "createVault", region: facts.region });
    if (live.length === 0) findings.problem("unprotected", "No backup instance protects the server.");
    else for (const indexed of live) findings.note(`The server has a ${describeInstance(indexed)} (${protectionStateOf(indexed.instance) ?? "state unknown"}).`);
    return findings;
  }

  // Instances come healthiest first, so the first in an accepted vault is the one that counts.
  let inAccepted: IndexedInstance[] = NO_INSTANCES;
  let elsewhere: IndexedInstance[] = NO_INSTANCES;
  if (live.length === 1 && resolution.accepted.has(live[0]!.vaultKey)) inAccepted = live;
  else if (live.length > 0) {
    inAccepted = [];
    elsewhere = [];
    for (const indexed of live) (resolution.accepted.has(indexed.vaultKey) ? inAccepted : elsewhere).push(indexed);
  }
  const current = inAccepted[0];
  const vault = current?.vault ?? resolution.target;
  const target = policyTarget(ctx, rule, vault);
  findings.targetVaultArmId = vault.armId;
  findings.targetPolicyArmId = target.policyArmId;
  const vaultGap = ctx.gapsBySubscription.size === 0 ? undefined : ctx.gapsBySubscription.get(vault.subscriptionId.toLowerCase());

  if (!current) {
    if (vaultGap) {
      findings.problem("not_evaluable", `No backup instance was found in vault '${vault.name}', but the last scan could not fully read its subscription (${vaultGap}).`);
      return findings;
    }
    if (elsewhere.length === 0) findings.problem("unprotected", "No backup instance protects the server.");
    else {
      findings.problem(
        "wrong_vault",
        `The server is protected only by ${elsewhere.map(describeInstance).join(", ")}, which ${describeRule(rule)} does not accept; it requires vault '${vault.name}'.`,
      );
    }
    if (target.missingReason) findings.note(target.missingReason);
    findings.action({ kind: "protect", vaultArmId: vault.armId, policyArmId: target.policyArmId });
    for (const { instance } of elsewhere) findings.action({ kind: "retireBackupInstance", backupInstanceArmId: instance.armId, vaultArmId: instance.vaultArmId });
  } else {
    const { instance, protection } = current;
    const state = protectionStateOf(instance) ?? "no state";
    if (protection === "unknown") {
      findings.problem("not_evaluable", `The ${describeInstance(current)} reports ${state}, a protection state Flexguard does not recognise.`);
    } else {
      if (protection === "error") {
        const error = instance.errorCode ? ` (${instance.errorCode}${instance.errorMessage ? `: ${instance.errorMessage}` : ""})` : "";
        findings.problem("protection_error", `The ${describeInstance(current)} is in state ${state}${error}; no backups are being taken.`);
        findings.action({ kind: "resolveProtectionError", backupInstanceArmId: instance.armId, protectionState: state, errorCode: instance.errorCode, errorMessage: instance.errorMessage });
      } else if (protection === "pending") {
        findings.problem("protection_pending", `The ${describeInstance(current)} is ${state}; the next scan will show whether protection succeeded.`);
      }
      const policyCheck = checkInstancePolicy(ctx, rule, current, current.vaultKey);
      if (!policyCheck.ok) {
        for (const reason of policyCheck.reasons) findings.problem(policyCheck.state, reason);
        if (policyCheck.state !== "not_evaluable") {
          if (target.missingReason) findings.note(target.missingReason);
          findings.action({ kind: "changePolicy", backupInstanceArmId: instance.armId, policyArmId: target.policyArmId });
        }
      }
    }
    if (live.length > 1)
      for (const other of [...inAccepted.slice(1), ...elsewhere])
        findings.note(`The server also has a ${describeInstance(other)} (${protectionStateOf(other.instance) ?? "state unknown"}).`);
  }

  // A qualifying policy must exist before a backup instance can be created or switched to it.
  if (target.policyArmId === null && (findings.hasAction("protect") || findings.hasAction("changePolicy"))) {
    const constraints = rule.rule.requirement.policy.kind === "constraints" ? rule.rule.requirement.policy : null;
    findings.action({
      kind: "createPolicy",
      vaultArmId: vault.armId,
      minRetention: constraints?.minRetention ?? null,
      maxBackupInterval: constraints?.maxBackupInterval ?? null,
    });
  }

  checkVaultRoles(ctx, facts, join, vault, findings);
  return findings;
}

function vaultRoleScopes(ctx: EvaluationContext, vault: InventoryVault): VaultRoleScopes {
  let scopes = ctx.vaultRoleScopes.get(vault);
  if (!scopes) {
    scopes =
      vault.principalId === null
        ? { principalKey: null, ltrBackup: undefined, reader: undefined }
        : {
            principalKey: vault.principalId.toLowerCase(),
            ltrBackup: ctx.roles.scopesOf(vault.principalId, ROLE.pgFlexLtrBackup),
            reader: ctx.roles.scopesOf(vault.principalId, ROLE.reader),
          };
    ctx.vaultRoleScopes.set(vault, scopes);
  }
  return scopes;
}

function checkVaultRoles(ctx: EvaluationContext, facts: ServerFacts, join: ServerJoin, vault: InventoryVault, findings: Findings) {
  const held = vaultRoleScopes(ctx, vault);
  const hasLtrBackup =
    held.principalKey !== null &&
    (join.ltrBackupPrincipals.includes(held.principalKey) || coversScope(held.ltrBackup, facts.resourceGroupKey, facts.subscriptionScopeKey));
  const hasReader = coversScope(held.reader, facts.resourceGroupKey, facts.subscriptionScopeKey);
  if (hasLtrBackup && hasReader) return;

  const principalId = vault.principalId;
  if (principalId === null) {
    findings.problem("missing_roles", `Vault '${vault.name}' has no system-assigned managed identity, which Azure Backup uses to reach the server.`);
    findings.action({ kind: "enableVaultIdentity", vaultArmId: vault.armId });
  }
  const server = facts.server;
  if (!hasLtrBackup)
    missingRole(findings, vault, ROLE.pgFlexLtrBackup, server.armId, "the server", coversScope(ctx.flexguardWriterScopes, facts.armKey, facts.resourceGroupKey, facts.subscriptionScopeKey));
  if (!hasReader)
    missingRole(
      findings,
      vault,
      ROLE.reader,
      `/subscriptions/${server.subscriptionId}/resourceGroups/${server.resourceGroup}`,
      `resource group '${server.resourceGroup}'`,
      coversScope(ctx.flexguardWriterScopes, facts.resourceGroupKey, facts.subscriptionScopeKey),
    );
}

function missingRole(findings: Findings, vault: InventoryVault, role: string, scope: string, where: string, flexguardCanAssign: boolean) {
  const missing: MissingRole = { roleDefinitionGuid: role, roleName: ROLE_NAMES[role]!, principalId: vault.principalId, scope, flexguardCanAssign };
  if (vault.principalId !== null) findings.problem("missing_roles", `The identity of vault '${vault.name}' lacks ${missing.roleName} on ${where}.`);
  findings.missingRole(missing);
  findings.action({ kind: "assignRole", ...missing });
}

// ---------------------------------------------------------------------------------------------
// Verdicts

function remediationOf(findings: Findings, rule: CompiledRule): Remediation | null {
  const actions = findings.sortedActions();
  if (actions.length === 0) return null;
  const missingRoles = findings.missingRoles ?? [];
  const cannotAssign = missingRoles.some((role) => !role.flexguardCanAssign);
  return {
    targetVaultArmId: findings.targetVaultArmId,
    targetPolicyArmId: findings.targetPolicyArmId,
    actions,
    roleAssignmentBy:
      missingRoles.length === 0 ? null : rule.rule.requirement.roleAssignment === "templateOnly" || cannotAssign ? "template" : "flexguard",
    needsRolesFlexguardCannotAssign: cannotAssign,
  };
}

/** The rules, in precedence order, whose subscription, region and version criteria admit the server. */
function rulesForPlace(ctx: EvaluationContext, facts: ServerFacts): readonly CompiledRule[] {
  // Nested maps keyed by strings the facts already hold, rather than one concatenated key: no string
  // to build and hash per server.
  const version = facts.server.version;
  let byRegion = ctx.rulesByPlace.get(facts.subscriptionKey);
  if (!byRegion) ctx.rulesByPlace.set(facts.subscriptionKey, (byRegion = new Map()));
  let byVersion = byRegion.get(facts.region);
  if (!byVersion) byRegion.set(facts.region, (byVersion = new Map()));
  let rules = byVersion.get(version ?? "");
  if (!rules) {
    rules = ctx.rules.filter((rule) => placeMatches(rule.reach.scope, facts.subscriptionKey, facts.region, version));
    byVersion.set(version ?? "", rules);
  }
  return rules;
}

/** The verdict for one server at the moment `now` (which decides only whether exemptions are still in force). */
export function evaluateServer(ctx: EvaluationContext, server: InventoryServer, now: Date): Verdict {
  const facts = serverFacts(server, ctx.factsCache);
  let governing: CompiledRule | undefined;
  let alsoMatched: RuleRef[] | null = null;
  for (const rule of rulesForPlace(ctx, facts)) {
    if (!reachesServer(rule.reach, facts)) continue;
    if (governing) (alsoMatched ??= []).push(rule.ref);
    else governing = rule;
  }
  if (!governing) {
    return {
      serverId: server.id,
      serverArmId: server.armId,
      state: "not_in_scope",
      problems: NONE,
      governingRule: null,
      alsoMatchedRules: NONE,
      reasons: NOT_IN_SCOPE_REASONS,
      remediation: null,
      exemption: null,
      exemptedState: null,
      expiredExemptions: NONE,
    };
  }

  const findings = assessServer(ctx, facts, governing);
  const underlying = findings.state();
  let reasons: readonly string[] = findings.sortedReasons();
  if (underlying === "compliant") reasons = reasons.length === 0 ? governing.compliantReasons : [governing.compliantReasons[0]!, ...reasons];
  const exemptions = ctx.exemptions.lookup(facts, governing.ref.id, now);
  if (exemptions.expired.length > 0)
    reasons = [...reasons, ...exemptions.expired.map((expired) => `Exemption ${expired.id} (${expired.category}) expired at ${expired.expiresAt} and no longer applies.`)];

  const verdict: Verdict = {
    serverId: server.id,
    serverArmId: server.armId,
    state: underlying,
    problems: findings.sortedProblems(),
    governingRule: governing.ref,
    alsoMatchedRules: alsoMatched ?? NONE,
    reasons,
    remediation: remediationOf(findings, governing),
    exemption: null,
    exemptedState: null,
    expiredExemptions: exemptions.expired,
  };
  const active = exemptions.active;
  if (active) {
    verdict.state = "exempt";
    verdict.exemption = active;
    verdict.exemptedState = underlying;
    verdict.remediation = null;
    verdict.reasons = [
      `Exempt from ${active.ruleId === null ? "every rule" : describeRule(governing)} until ${active.expiresAt} (${active.category}, exemption ${active.id}); without it the server would be ${underlying.replace(/_/g, " ")}.`,
      ...reasons,
    ];
  }
  return verdict;
}

/** Verdicts for many servers, in the order given. */
export function evaluateServers(ctx: EvaluationContext, servers: Iterable<InventoryServer>, now: Date): Verdict[] {
  const verdicts: Verdict[] = [];
  for (const server of servers) verdicts.push(evaluateServer(ctx, server, now));
  return verdicts;
}
