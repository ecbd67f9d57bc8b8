// The README and deploy scripts of a zip pack of per-server templates. Names come from Azure and its users, so
// every one is quoted for the shell it lands in (bash, PowerShell) and fenced for the Markdown around it.
import { ARM_LIMITS, BACKUP_ROLES, GENERATOR } from "./arm";
import type { NormalizedGrant } from "./normalize-grant";
import { backupRoleScopeText } from "./template-parts";
import type { BackupRoleScope } from "./types";

/** A bash word: single quotes, with a quote inside written as '\''. Nothing is special inside single quotes. */
export function bashQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A PowerShell verbatim string: single quotes, where PowerShell also counts the typographic ones, each doubled. */
export function powershellQuote(value: string): string {
  return `'${value.replace(/['\u2018\u2019\u201A\u201B]/g, (quote) => quote + quote)}'`;
}

/** Text shown in Markdown prose: control and formatting characters (line breaks, bidi overrides) made visible as U+FFFD. */
const visible = (value: string) => value.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, "\uFFFD");

const PLAIN_SPAN = /^[!-_a-~][ -_a-~]*$/;

/** A Markdown code span that no backtick, "<", "*" or "[" in the value can break out of. */
export function codeSpan(value: string): string {
  // Most names are plain printable ASCII without backticks: nothing to make visible, a single backtick fences them.
  if (PLAIN_SPAN.test(value)) return `\`${value}\``;
  const text = visible(value);
  const longest = Math.max(0, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  const pad = text.startsWith("`") || text.endsWith("`") || text.startsWith(" ") ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** A fenced Markdown code block longer than any backtick run inside, so no line of it can close the block. */
export function codeBlock(language: string, lines: readonly string[]): string {
  const longest = Math.max(0, ...lines.flatMap((line) => Array.from(line.matchAll(/`+/g), (m) => m[0].length)));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}${language}\n${lines.join("\n")}\n${fence}\n`;
}

export interface PackEntry {
  grant: NormalizedGrant;
  /** The template's path inside the pack, relative to the README. */
  path: string;
  deploymentName: string;
  roleAssignmentCount: number;
}

interface GroupEntries {
  subscriptionId: string;
  resourceGroup: string;
  entries: PackEntry[];
}

/** Collects the pack's templates as they are written, then renders the README and scripts that deploy them. */
export class PackInstructions {
  private readonly groups = new Map<string, GroupEntries>();
  /** Distinct role assignments the pack creates, per subscription (resource-group ones are shared by servers). */
  private readonly assignments = new Map<string, Set<string>>();
  private templates = 0;

  constructor(private readonly backupRoleScope: BackupRoleScope) {}

  add(entry: PackEntry): void {
    const { server, vault } = entry.grant;
    this.templates++;
    let group = this.groups.get(server.resourceGroupKey);
    if (!group) this.groups.set(server.resourceGroupKey, (group = { subscriptionId: server.subscriptionId, resourceGroup: server.resourceGroup, entries: [] }));
    group.entries.push(entry);
    const subscription = server.subscriptionId.toLowerCase();
    let keys = this.assignments.get(subscription);
    if (!keys) this.assignments.set(subscription, (keys = new Set()));
    if (entry.grant.needsReader) keys.add(`reader ${server.resourceGroupKey} ${vault.principalId}`);
    if (entry.grant.needsLtrBackup) keys.add(this.backupRoleScope === "server" ? `ltr ${server.key} ${vault.principalId}` : `ltr ${server.resourceGroupKey} ${vault.principalId}`);
  }

  private sortedGroups(): GroupEntries[] {
    return [...this.groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, group]) => group);
  }

  azCommand(entry: PackEntry): string {
    const { server } = entry.grant;
    return `az deployment group create --subscription ${bashQuote(server.subscriptionId)} --resource-group ${bashQuote(server.resourceGroup)} --name ${bashQuote(entry.deploymentName)} --template-file ${bashQuote(entry.path)} --output none`;
  }

  powershellCommand(entry: PackEntry): string {
    return `New-AzResourceGroupDeployment -ResourceGroupName ${powershellQuote(entry.grant.server.resourceGroup)} -Name ${powershellQuote(entry.deploymentName)} -TemplateFile ${powershellQuote(entry.path)} | Out-Null`;
  }

  readme(): string {
    const out: string[] = [];
    const scopeText = backupRoleScopeText(this.backupRoleScope);
    out.push(
      "# Role assignments for Azure Backup of PostgreSQL flexible servers",
      "",
      `Made by ${GENERATOR.name} ${GENERATOR.version}. This pack holds ${this.templates} ARM template${this.templates === 1 ? "" : "s"}, one per server, at \`<subscription>/<resource group>/<server>.json\`. Each one grants the managed identity of the server's Backup vault the roles it lacks to back the server up, and nothing else:`,
      "",
      `- the ${scopeText}`,
      `- ${BACKUP_ROLES.reader.name} on the server's resource group (the backup role cannot read the server itself).`,
      "",
      "A template whose identity already holds everything grants nothing; deploying it is harmless.",
      "",
      "## Where the backup role is granted",
      "",
    );
    if (this.backupRoleScope === "server") {
      out.push(
        `This pack grants the ${BACKUP_ROLES.ltrBackup.name} on each server, as Azure Backup asks: the vault's identity can back up exactly these servers. Every server so gets a role assignment of its own, and Azure allows ${ARM_LIMITS.roleAssignmentsPerSubscription.toLocaleString("en-US")} role assignments per subscription (all principals and roles counted). If a subscription nears that limit, ask Flexguard for a pack that grants the backup role at resource-group scope instead.`,
      );
    } else {
      out.push(
        `This pack grants the ${BACKUP_ROLES.ltrBackup.name} on each server's **resource group** instead of on each server, because it was asked for to stay under Azure's limit of ${ARM_LIMITS.roleAssignmentsPerSubscription.toLocaleString("en-US")} role assignments per subscription: one assignment per resource group and vault instead of one per server.`,
        "",
        "What that means: the vault's identity may then run long-term-retention backups of every PostgreSQL flexible server in those resource groups, including servers created later, not only the ones listed here. Servers of one resource group share that assignment, so their templates name it identically and deploying several of them creates it once.",
      );
    }
    out.push("", "New role assignments this pack creates, per subscription (fewer if some already exist):", "", "| Subscription | Role assignments |", "| --- | ---: |");
    const counts = [...this.assignments.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
    for (const [subscription, keys] of counts) out.push(`| ${codeSpan(subscription)} | ${keys.size} |`);
    const crowded = counts.filter(([, keys]) => keys.size >= ARM_LIMITS.roleAssignmentsPerSubscription);
    if (crowded.length) {
      out.push("", `**Warning:** this pack alone would create ${ARM_LIMITS.roleAssignmentsPerSubscription.toLocaleString("en-US")} or more role assignments in ${crowded.map(([s]) => codeSpan(s)).join(", ")}; Azure refuses assignments beyond its limit. Use a pack that grants the backup role at resource-group scope.`);
    }
    out.push(
      "",
      "## Before you deploy",
      "",
      "- You need the right to assign roles in each resource group: Owner, User Access Administrator or Role Based Access Control Administrator (`Microsoft.Authorization/roleAssignments/write`).",
      "- Deploy each template to its server's resource group (a resource-group deployment), as the commands below do.",
      "- Deploying a template again changes nothing: role-assignment names are derived from the scope, the identity and the role (`guid(scope, principal, role)`), so a second deployment finds the same assignments.",
      "- A deployment that fails with `RoleAssignmentExists` met an equivalent assignment made under another name: the identity already holds that role there, nothing to do.",
      "- The vault identity's principal id is the `vaultPrincipalId` parameter, defaulting to the identity Flexguard saw; change it only if the vault's identity was re-created.",
      "- Azure takes a while (often 10 to 15 minutes) to make new role assignments effective. Then revalidate the servers in Flexguard.",
      "",
      "## Deploy everything",
      "",
      "With the Azure CLI (after `az login`): `bash deploy-all.sh`. With Azure PowerShell (after `Connect-AzAccount`): `./deploy-all.ps1`. Both stop at the first failure and can simply be run again.",
      "",
      "## Deploy one server at a time",
      "",
      "Run the commands from the folder holding this README.",
    );
    for (const group of this.sortedGroups()) {
      out.push("", `### Resource group ${codeSpan(group.resourceGroup)} in subscription ${codeSpan(group.subscriptionId)}`, "");
      for (const entry of group.entries) {
        const rule = entry.grant.rule;
        const grants = entry.roleAssignmentCount === 0 ? "nothing to grant" : `${entry.roleAssignmentCount} role assignment${entry.roleAssignmentCount === 1 ? "" : "s"}`;
        out.push(`- ${codeSpan(entry.grant.server.name)}: ${codeSpan(entry.path)}, ${grants}, vault ${codeSpan(entry.grant.vault.name)}${rule ? `, rule ${codeSpan(rule.name)} (revision ${rule.revision})` : ""}`);
      }
      out.push("", "Azure CLI:", "", codeBlock("bash", group.entries.map((e) => this.azCommand(e))).trimEnd(), "", "Azure PowerShell:", "");
      out.push(codeBlock("powershell", [`Set-AzContext -Subscription ${powershellQuote(group.subscriptionId)} | Out-Null`, ...group.entries.map((e) => this.powershellCommand(e))]).trimEnd());
    }
    return `${out.join("\n")}\n`;
  }

  bashScript(): string {
    const lines = [
      "#!/usr/bin/env bash",
      `# Deploys every template of this ${GENERATOR.name} pack with the Azure CLI (run \`az login\` first).`,
      "set -euo pipefail",
      'cd "$(dirname "$0")"',
    ];
    for (const group of this.sortedGroups()) for (const entry of group.entries) lines.push(this.azCommand(entry));
    return `${lines.join("\n")}\n`;
  }

  powershellScript(): string {
    const lines = [`# Deploys every template of this ${GENERATOR.name} pack with Azure PowerShell (run Connect-AzAccount first).`, "$ErrorActionPreference = 'Stop'", "Set-Location -LiteralPath $PSScriptRoot"];
    let subscription = "";
    for (const group of this.sortedGroups()) {
      if (group.subscriptionId !== subscription) {
        subscription = group.subscriptionId;
        lines.push(`Set-AzContext -Subscription ${powershellQuote(subscription)} | Out-Null`);
      }
      for (const entry of group.entries) lines.push(this.powershellCommand(entry));
    }
    return `${lines.join("\n")}\n`;
  }
}
