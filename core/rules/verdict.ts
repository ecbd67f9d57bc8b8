// A server's compliance verdict: what the evaluator concludes for one server at one moment. It is
// plain JSON (strings, numbers, booleans, null, arrays, objects; times as ISO 8601 strings) so the
// DB layer stores it as is, and deterministic: the same inventory, rules, exemptions and time give
// the same verdict, key for key and in the same order, so "write only changed verdicts" can compare
// serialised verdicts. Reasons are plain text with names verbatim: whoever renders them escapes them.

/** Every state, most urgent first: when a server has several problems, the first one found in this order is its state. */
export const VERDICT_STATES = [
  /** No enabled rule's scope matches the server. */
  "not_in_scope",
  /** An active exemption covers the server for its governing rule (the verdict carries its expiry). */
  "exempt",
  /** The inventory is incomplete or was denied for the server's (or its vault's) subscription, or Azure reports something Flexguard does not know. */
  "not_evaluable",
  /** properties.state is not Ready (stopped, starting, updating ...): Azure refuses to back it up. */
  "server_not_ready",
  /** The rule gives no usable vault in the server's region (none listed, none matching, or the named one missing or elsewhere). */
  "no_vault_in_region",
  /** No live backup instance protects the server. */
  "unprotected",
  /** The server is protected, but only in vaults the rule does not accept. */
  "wrong_vault",
  /** The backup instance in an accepted vault is in error, failed, stopped or suspended. */
  "protection_error",
  /**
   * Protection is being configured or updated (ConfiguringProtection, UpdatingProtection): no action
   * is needed and none must be started (a second create would race the first), but no backup is
   * assured yet, so it is neither compliant nor a failure. The next scan settles it.
   */
  "protection_pending",
  /** An explicit policy is required and the backup instance uses another one. */
  "wrong_policy",
  /** The bound policy keeps backups for less than the rule's minimum or backs up less often than its maximum interval. */
  "policy_weaker",
  /** The vault's managed identity lacks a role it needs (or the vault has no identity at all). */
  "missing_roles",
  /** Protected in an accepted vault with an accepted policy, and the vault identity holds its roles. */
  "compliant",
] as const;
export type VerdictState = (typeof VERDICT_STATES)[number];

/** The states that mean "something is wrong with this server's protection". */
export const NON_COMPLIANT_STATES: readonly VerdictState[] = [
  "server_not_ready",
  "no_vault_in_region",
  "unprotected",
  "wrong_vault",
  "protection_error",
  "wrong_policy",
  "policy_weaker",
  "missing_roles",
];

export interface RuleRef {
  id: string;
  name: string;
  revision: number;
  order: number;
  mode: "audit" | "enforce";
}

/** A role the vault identity needs and lacks, and where to assign it. */
export interface MissingRole {
  roleDefinitionGuid: string;
  roleName: string;
  /** The vault identity's principal id; null when the vault has no system-assigned identity yet. */
  principalId: string | null;
  /** The scope to assign it at, as an ARM id (the server, or its resource group). */
  scope: string;
  /** Whether Flexguard's own principal holds a role-assignment writer role at that scope or above. */
  flexguardCanAssign: boolean;
}

export type RemediationAction =
  | { kind: "makeServerReady"; currentState: string }
  | { kind: "createVault"; region: string }
  | { kind: "enableVaultIdentity"; vaultArmId: string }
  | ({ kind: "assignRole" } & MissingRole)
  | { kind: "createPolicy"; vaultArmId: string; minRetention: string | null; maxBackupInterval: string | null }
  /** Create a backup instance for the server in the vault with the policy. */
  | { kind: "protect"; vaultArmId: string; policyArmId: string | null }
  | { kind: "changePolicy"; backupInstanceArmId: string; policyArmId: string | null }
  | { kind: "resolveProtectionError"; backupInstanceArmId: string; protectionState: string; errorCode: string | null; errorMessage: string | null }
  /** A backup instance in a vault the rule does not accept; retiring it deletes or stops backups, so it is never automatic. */
  | { kind: "retireBackupInstance"; backupInstanceArmId: string; vaultArmId: string };

export interface Remediation {
  /** The vault the server should be protected in; null when the rule gives none in its region. */
  targetVaultArmId: string | null;
  /** The policy the backup instance should use; null when none is known (see the createPolicy action). */
  targetPolicyArmId: string | null;
  /** What to do, in the order it must be done. */
  actions: readonly RemediationAction[];
  /** Who assigns missing roles: Flexguard (the rule allows it and Flexguard can) or someone given a template. */
  roleAssignmentBy: "flexguard" | "template" | null;
  /** True when some missing role is at a scope where Flexguard's principal cannot assign roles (the portal's "User cannot assign roles"). */
  needsRolesFlexguardCannotAssign: boolean;
}

export interface ExemptionRef {
  id: string;
  category: "waiver" | "mitigated";
  /** null when the exemption covers every rule. */
  ruleId: string | null;
  expiresAt: string;
}

/** Arrays are read-only: verdicts share their empty arrays and common reasons (frozen) to keep 100,000 of them small. */
export interface Verdict {
  serverId: string;
  serverArmId: string;
  state: VerdictState;
  /** Every problem found, most urgent first (exempt verdicts keep the problems the exemption covers); empty when compliant or not in scope. */
  problems: readonly VerdictState[];
  /** The first enabled rule, by precedence, whose scope matches; null when none does. */
  governingRule: RuleRef | null;
  /** The other enabled rules whose scope also matches, in precedence order. */
  alsoMatchedRules: readonly RuleRef[];
  /** Plain sentences: why the server is in this state, and what else was noticed. */
  reasons: readonly string[];
  /** What would fix it; null when nothing is to be done (compliant, pending, exempt, not in scope). */
  remediation: Remediation | null;
  /** The exemption that applies now, when the state is exempt. */
  exemption: ExemptionRef | null;
  /** When exempt: the state the server would have without the exemption. */
  exemptedState: VerdictState | null;
  /** Exemptions that matched this server but have expired, and so no longer apply. */
  expiredExemptions: readonly ExemptionRef[];
}
