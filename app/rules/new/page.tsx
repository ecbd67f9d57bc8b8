// GET /rules/new: a new rule in the editor, with a what-if preview before it is created (rule writers only).
import Link from "next/link";
import { roleCan } from "@/core/auth/permissions";
import { listRuleEditorOptions } from "@/core/rules/list-rule-editor-options";
import { listRules } from "@/core/rules/list-rules";
import { requirePageActor } from "../../_lib/actor";
import { RuleEditor } from "../_components/rule-editor";

export const dynamic = "force-dynamic";

export default async function NewRulePage() {
  const actor = await requirePageActor();
  if (!roleCan(actor.role, "rules:write"))
    return (
      <p role="alert" className="error">
        Your role ({actor.role.toLowerCase()}) does not allow changing rules.
      </p>
    );
  const [rules, options] = await Promise.all([listRules(actor), listRuleEditorOptions(actor)]);
  // A precedence after every existing rule, so that a new rule never silently takes servers from another.
  const order = rules.reduce((max, r) => Math.max(max, r.rule.order), 0) + 10;
  return (
    <>
      <p className="breadcrumb">
        <Link href="/rules">Rules</Link>
      </p>
      <h1>New rule</h1>
      <RuleEditor
        options={options}
        initial={{
          name: "",
          description: "",
          enabled: true,
          mode: "audit",
          order,
          scope: {},
          exclusions: [],
          requirement: { vault: { kind: "matchInRegion", nameGlob: "*" }, policy: { kind: "constraints", minRetention: "P7D" }, roleAssignment: "templateOnly" },
        }}
      />
    </>
  );
}
