// What-if: how the fleet's verdicts would change if a rule being edited (or a new one) were saved. The fleet
// is judged with the edited rule set, in batches as the bulk job does, and compared with the latest stored
// verdicts. Nothing is written.
import { z } from "zod";
import { authorize, subscriptionScope, type Actor } from "@/core/auth/actor";
import { db } from "@/core/db/client";
import { loadInventorySetup, toInventoryServer } from "@/core/evaluation/load-inventory-setup";
import { loadExemptions, loadRules } from "@/core/evaluation/load-rules";
import { AppError, type FieldIssue } from "@/core/errors";
import { buildEvaluationContext, evaluateServer } from "./evaluate";
import { ruleReferenceIssues } from "./rule-store";
import { protectionRuleSchema, type StoredProtectionRule } from "./schemas";

const BATCH = 5_000;
const SAMPLE_SIZE = 20;
/** The "from" state of servers no evaluation has judged yet. */
export const NOT_EVALUATED = "not_evaluated";
// Stands in for the id of a rule not saved yet; verdicts only carry it through.
const UNSAVED_RULE_ID = "00000000-0000-0000-0000-000000000000";

export const whatIfSchema = z.strictObject({
  /** The rule being edited; leave out for a new rule. */
  ruleId: z.uuid({ error: "ruleId must be the id of the rule being edited (a UUID), or left out for a new rule" }).optional(),
  rule: protectionRuleSchema,
});
export type WhatIfInput = z.input<typeof whatIfSchema>;

export interface WhatIfResult {
  /** Servers judged: the actor's, not deleted. */
  servers: number;
  /** Servers whose state would change. */
  changing: number;
  /** "from -> to": number of servers, for every transition that occurs, most frequent first. */
  transitions: Record<string, number>;
  /** Up to 20 servers that would change, by name. */
  sample: { serverId: string; name: string; subscriptionId: string; from: string; to: string }[];
  /** Explicit vaults or policies the inventory lacks: saving would be refused until they exist. */
  referenceIssues: FieldIssue[];
}

/** Judges the actor's servers with the edited rule in place of the stored one and counts the state changes. */
export async function whatIf(actor: Actor, input: WhatIfInput): Promise<WhatIfResult> {
  authorize(actor, "fleet:read");
  const { ruleId, rule } = whatIfSchema.parse(input);
  const [stored, exemptions, inventory, referenceIssues] = await Promise.all([loadRules(), loadExemptions(), loadInventorySetup(), ruleReferenceIssues(db(), rule, "rule.")]);
  let rules: StoredProtectionRule[];
  if (ruleId) {
    const current = stored.find((r) => r.id === ruleId);
    if (!current) throw new AppError("NOT_FOUND", `Rule ${ruleId} does not exist`);
    rules = stored.map((r) => (r.id === ruleId ? { ...rule, id: ruleId, revision: current.revision + 1 } : r));
  } else {
    rules = [...stored, { ...rule, id: UNSAVED_RULE_ID, revision: 1 }];
  }
  const ctx = buildEvaluationContext({ ...inventory, rules, exemptions });
  const now = new Date();

  const transitions = new Map<string, number>();
  const sample: WhatIfResult["sample"] = [];
  let servers = 0;
  let changing = 0;
  let cursor: string | undefined;
  for (;;) {
    const batch = await db().server.findMany({
      where: { deletedAt: null, ...subscriptionScope(actor) },
      orderBy: { id: "asc" },
      take: BATCH,
      ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
    });
    if (batch.length === 0) break;
    cursor = batch[batch.length - 1]!.id;
    servers += batch.length;
    const current = new Map(
      (await db().serverVerdict.findMany({ where: { serverId: { in: batch.map((s) => s.id) } }, select: { serverId: true, state: true } })).map((v) => [v.serverId, v.state]),
    );
    for (const row of batch) {
      const from = current.get(row.id) ?? NOT_EVALUATED;
      const to = evaluateServer(ctx, toInventoryServer(row), now).state;
      if (from === to) continue;
      changing++;
      const key = `${from} -> ${to}`;
      transitions.set(key, (transitions.get(key) ?? 0) + 1);
      sample.push({ serverId: row.id, name: row.name, subscriptionId: row.subscriptionId, from, to });
      // Keep the sample small while streaming: the first 20 by name, not the first 20 by id.
      if (sample.length > SAMPLE_SIZE * 4) trimSample(sample);
    }
  }
  trimSample(sample);
  const sorted = [...transitions].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return { servers, changing, transitions: Object.fromEntries(sorted), sample, referenceIssues };
}

function trimSample(sample: WhatIfResult["sample"]): void {
  sample.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.serverId < b.serverId ? -1 : 1));
  sample.length = Math.min(sample.length, SAMPLE_SIZE);
}
