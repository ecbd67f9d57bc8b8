import { authorize, type Actor } from "@/core/auth/actor";
import { db, Prisma } from "@/core/db/client";
import { toRuleView, type RuleView } from "./rule-store";

export interface RuleListItem extends RuleView {
  /** Servers this rule governs, per verdict state, in the actor's subscriptions (as of the last evaluation). */
  servers: Record<string, number>;
  /** Their sum. */
  serverCount: number;
}

/** The live rules in precedence order, each with how many of the actor's servers it governs per verdict state. */
export async function listRules(actor: Actor): Promise<RuleListItem[]> {
  authorize(actor, "fleet:read");
  const inScope = actor.subscriptions ? Prisma.sql`AND s.subscription_id = ANY(${actor.subscriptions}::text[])` : Prisma.empty;
  const [rows, counts] = await Promise.all([
    db().protectionRule.findMany({ where: { deletedAt: null }, orderBy: [{ order: "asc" }, { name: "asc" }] }),
    db().$queryRaw<{ rule_id: string; state: string; n: bigint }[]>`
      SELECT v.governing_rule_id::text AS rule_id, v.state, count(*) AS n
      FROM server_verdict v JOIN server s ON s.id = v.server_id
      WHERE s.deleted_at IS NULL AND v.governing_rule_id IS NOT NULL ${inScope}
      GROUP BY v.governing_rule_id, v.state`,
  ]);
  const byRule = new Map<string, Record<string, number>>();
  for (const c of counts) {
    const states = byRule.get(c.rule_id) ?? {};
    states[c.state] = Number(c.n);
    byRule.set(c.rule_id, states);
  }
  return rows.map((row) => {
    const servers = byRule.get(row.id) ?? {};
    return { ...toRuleView(row), servers, serverCount: Object.values(servers).reduce((a, b) => a + b, 0) };
  });
}
