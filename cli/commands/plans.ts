import { InvalidArgumentError, type Command } from "commander";
import type { Actor } from "@/core/auth/actor";
import { checkServices } from "@/core/health/check-services";
import { decidePlan, type PlanDecision } from "@/core/remediation/decide-plan";
import { draftPlan, type DraftedPlan } from "@/core/remediation/draft-plan";
import { getPlan, type PlanDetail } from "@/core/remediation/get-plan";
import { listPlans, type PlanList } from "@/core/remediation/list-plans";
import { submitPlan, type SubmittedPlan } from "@/core/remediation/submit-plan";
import { VAULT_STORAGE_TYPES, type DraftPlanInput, type PlanFilter } from "@/core/remediation/schemas";
import { isRemote, remoteApi } from "../remote";

/** Locally the CLI acts with full rights, as whoever runs it on the Flexguard host; the audit log says so. */
const cliActor = (): Actor => ({ kind: "system", userId: null, label: `cli:${process.env.USER ?? "unknown"}`, role: "ADMIN", subscriptions: null, sourceIp: null });

const whole = (min: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`must be a whole number of at least ${min}`);
  return n;
};
const list = (value: string) => value.split(",").map((v) => v.trim()).filter(Boolean);

/** The `plan` command, shared with the run commands (plan run|status|...), which add their subcommands to it. */
export function planCommand(program: Command): Command {
  return program.commands.find((c) => c.name() === "plan") ?? program.command("plan").description("remediation plans: draft, review, approve, run");
}

interface CreateOptions {
  servers?: string[];
  subscription?: string;
  resourceGroup?: string;
  region?: string;
  rule?: string;
  tag?: string;
  state?: string;
  q?: string;
  name?: string;
  firstBackup: boolean;
  createVaultsIn?: string[];
  concurrency?: number;
  perVaultConcurrency?: number;
  canary?: number;
  vaultStorage?: (typeof VAULT_STORAGE_TYPES)[number];
  submit?: boolean;
  json?: boolean;
}

/** flexguard plan create|submit|approve|reject|list|show. */
export function registerPlanCommands(program: Command): void {
  const plan = planCommand(program);

  plan
    .command("create")
    .description("draft a plan from the current verdicts: every non-compliant server of enforce-mode rules, a filter, or --servers")
    .option("--servers <ids>", "comma-separated server ids (Flexguard's, as the servers page shows them)", list)
    .option("--subscription <id>", "only servers in this subscription")
    .option("--resource-group <name>", "only servers in this resource group")
    .option("--region <region>", "only servers in this region")
    .option("--rule <id>", "only servers this rule governs")
    .option("--tag <key=value>", "only servers with this tag (or just key: with the tag)")
    .option("--state <states>", "only servers in these verdict states (comma-separated)")
    .option("--q <text>", "only servers whose name contains this")
    .option("--name <name>", "the plan's name")
    .option("--no-first-backup", "do not take a first backup; items end as protected, first backup pending")
    .option("--create-vaults-in <regions>", "create a Backup vault in these regions (comma-separated) where none exists", list)
    .option("--concurrency <n>", "items executing at once", whole(1))
    .option("--per-vault-concurrency <n>", "items executing at once in one vault", whole(1))
    .option("--canary <n>", "run this many items first, alone", whole(0))
    .option("--vault-storage <type>", `storage redundancy of created vaults (${VAULT_STORAGE_TYPES.join(", ")})`)
    .option("--submit", "submit the plan for approval right away")
    .option("--json", "print machine-readable JSON")
    .action(async (opts: CreateOptions) => {
      const filter: PlanFilter = Object.fromEntries(
        Object.entries({ subscription: opts.subscription, resourceGroup: opts.resourceGroup, region: opts.region, rule: opts.rule, tag: opts.tag, state: opts.state, q: opts.q }).filter(([, v]) => v !== undefined),
      );
      if (opts.servers && Object.keys(filter).length) throw new InvalidArgumentError("give either --servers or filter options, not both");
      const input: DraftPlanInput = {
        ...(opts.name ? { name: opts.name } : {}),
        selection: opts.servers ? { kind: "servers", serverIds: opts.servers } : Object.keys(filter).length ? { kind: "filter", filter } : { kind: "all" },
        options: {
          firstBackup: opts.firstBackup,
          ...(opts.createVaultsIn ? { createVaultsIn: opts.createVaultsIn } : {}),
          ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
          ...(opts.perVaultConcurrency ? { perVaultConcurrency: opts.perVaultConcurrency } : {}),
          ...(opts.canary !== undefined ? { canarySize: opts.canary } : {}),
        },
        ...(opts.vaultStorage ? { vaultStorageType: opts.vaultStorage } : {}),
      };
      const remote = isRemote();
      if (!remote) await checkServices();
      const drafted = remote ? await remoteApi<DraftedPlan>("POST", "/api/plans", input) : await draftPlan(cliActor(), input);
      const submitted = opts.submit ? (remote ? await remoteApi<SubmittedPlan>("POST", `/api/plans/${drafted.id}/submit`, {}) : await submitPlan(cliActor(), drafted.id)) : null;
      if (opts.json) return void console.log(JSON.stringify({ ...drafted, ...(submitted ? { status: submitted.status } : {}) }, null, 2));
      const kinds = Object.entries(drafted.kinds).map(([k, n]) => `${n} ${k}`).join(", ");
      const skipped = Object.entries(drafted.skipped).map(([reason, n]) => `  left out ${n}: ${reason}`);
      console.log([`Drafted plan ${drafted.id} "${drafted.name}": ${drafted.itemCount} items (${kinds}), about ${duration(drafted.estimateSeconds)}`, ...skipped, `Content hash ${drafted.contentHash}`, submitted ? "Submitted for approval." : `Submit it: flexguard plan submit ${drafted.id}`].join("\n"));
    });

  plan
    .command("submit <planId>")
    .description("ask for approval of a drafted plan")
    .option("--json", "print machine-readable JSON")
    .action(async (planId: string, opts: { json?: boolean }) => {
      const result = isRemote() ? await remoteApi<SubmittedPlan>("POST", `/api/plans/${planId}/submit`, {}) : (await checkServices(), await submitPlan(cliActor(), planId));
      console.log(opts.json ? JSON.stringify(result, null, 2) : `Plan ${planId} awaits approval (revision ${result.revision}, hash ${result.contentHash}).`);
    });

  for (const decision of ["approve", "reject"] as const) {
    plan
      .command(`${decision} <planId>`)
      .description(`${decision} a plan awaiting approval (someone other than its authors, with the approver role)`)
      .requiredOption("--comment <text>", `why you ${decision} it`)
      .option("--hash <sha256>", "the content hash you reviewed (flexguard plan show); default: the plan's current hash, shown before deciding")
      .option("--json", "print machine-readable JSON")
      .action(async (planId: string, opts: { comment: string; hash?: string; json?: boolean }) => {
        const remote = isRemote();
        if (!remote) await checkServices();
        let hash = opts.hash;
        if (!hash) {
          const current = remote ? await remoteApi<PlanDetail>("GET", `/api/plans/${planId}?pageSize=1`) : await getPlan(cliActor(), planId, { pageSize: 1 });
          hash = current.contentHash;
          if (!opts.json) console.error(`${decision === "approve" ? "Approving" : "Rejecting"} plan "${current.name}" revision ${current.revision}: ${current.itemCount} items (${kindsText(current.liveCounts.kinds)}), hash ${hash}`);
        }
        const body = { contentHash: hash, comment: opts.comment };
        const result = remote ? await remoteApi<PlanDecision>("POST", `/api/plans/${planId}/${decision}`, body) : await decidePlan(cliActor(), planId, decision, body);
        console.log(
          opts.json
            ? JSON.stringify(result, null, 2)
            : `Plan ${planId} ${result.status.toLowerCase()} by ${result.decidedBy}${result.approvalExpiresAt ? `; the approval holds until ${new Date(result.approvalExpiresAt).toISOString()}` : ""}.`,
        );
      });
  }

  plan
    .command("list")
    .description("plans, newest first")
    .option("--status <statuses>", "only these statuses (comma-separated: draft, awaiting_approval, approved, ...)")
    .option("--json", "print machine-readable JSON")
    .action(async (opts: { status?: string; json?: boolean }) => {
      const query: Record<string, string> = opts.status ? { status: opts.status } : {};
      const result = isRemote() ? await remoteApi<PlanList>("GET", `/api/plans?${new URLSearchParams(query)}`) : (await checkServices(), await listPlans(cliActor(), query));
      if (opts.json) return void console.log(JSON.stringify(result, null, 2));
      if (result.items.length === 0) return void console.log("No plans.");
      for (const p of result.items) console.log(`${p.id}  ${p.status.padEnd(17)}  ${String(p.itemCount).padStart(6)} items  ${p.createdAt.slice(0, 16).replace("T", " ")}  ${p.createdBy}  ${p.name}`);
    });

  plan
    .command("show <planId>")
    .description("a plan: status, counts, estimate, approval and its items with what each changes")
    .option("--page <n>", "page of items", whole(1), 1)
    .option("--page-size <n>", "items per page", whole(1), 50)
    .option("--json", "print machine-readable JSON")
    .action(async (planId: string, opts: { page: number; pageSize: number; json?: boolean }) => {
      const query = { page: opts.page, pageSize: opts.pageSize };
      const p = isRemote() ? await remoteApi<PlanDetail>("GET", `/api/plans/${planId}?page=${opts.page}&pageSize=${opts.pageSize}`) : (await checkServices(), await getPlan(cliActor(), planId, query));
      if (opts.json) return void console.log(JSON.stringify(p, null, 2));
      const lines = [
        `${p.name} (${p.id})`,
        `Status ${p.status}, revision ${p.revision}, drafted by ${p.createdBy} at ${p.createdAt}`,
        `Content hash ${p.contentHash}`,
        `${p.itemCount} items: ${kindsText(p.liveCounts.kinds)}; by status: ${kindsText(p.liveCounts.statuses)}`,
        `Estimate: about ${duration(p.estimateSeconds)}`,
        ...(p.decidedBy ? [`${p.status === "REJECTED" ? "Rejected" : "Approved"} by ${p.decidedBy} at ${p.decidedAt}: ${p.decisionComment ?? ""}`] : []),
        ...(p.approvalExpiresAt ? [`Approval valid until ${p.approvalExpiresAt}${p.notExecutableReason ? ` (${p.notExecutableReason})` : ""}`] : []),
        "",
        ...p.items.rows.flatMap((item) => [
          `#${item.seq} ${item.kind} [${item.status}]${item.canary ? " canary" : ""}${item.dependsOn.length ? ` after #${item.dependsOn.join(", #")}` : ""}: ${item.summary}`,
          ...item.diff.map((d) => `    ${d.field}: ${d.before ?? "(none)"} -> ${d.after ?? "(none)"}`),
        ]),
        `Items ${(p.items.page - 1) * p.items.pageSize + 1}-${(p.items.page - 1) * p.items.pageSize + p.items.rows.length} of ${p.items.total}`,
      ];
      console.log(lines.join("\n"));
    });
}

const kindsText = (counts: Record<string, number>) => Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(", ") || "none";

function duration(seconds: number): string {
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
