// GET /rules/:ruleId: a rule: the editor (for rule writers) or its definition, and every revision with what it changed.
import Link from "next/link";
import { notFound } from "next/navigation";
import { roleCan } from "@/core/auth/permissions";
import { AppError } from "@/core/errors";
import { getRule } from "@/core/rules/get-rule";
import { listRuleEditorOptions } from "@/core/rules/list-rule-editor-options";
import { requirePageActor } from "../../_lib/actor";
import { formatTime } from "../../_components/format";
import { RuleEditor } from "../_components/rule-editor";

export const dynamic = "force-dynamic";

const show = (value: unknown) => (value === null || value === undefined ? "(none)" : JSON.stringify(value));

export default async function RulePage({ params, searchParams }: { params: Promise<{ ruleId: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await requirePageActor();
  const { ruleId } = await params;
  const { saved } = await searchParams;
  if (!/^[0-9a-f-]{36}$/i.test(ruleId)) notFound();
  const rule = await getRule(actor, ruleId).catch((err: unknown) => {
    if (err instanceof AppError && err.code === "NOT_FOUND") notFound();
    throw err;
  });
  const canWrite = roleCan(actor.role, "rules:write") && !rule.deletedAt;
  const options = canWrite ? await listRuleEditorOptions(actor) : null;

  return (
    <>
      <p className="breadcrumb">
        <Link href="/rules">Rules</Link>
      </p>
      <h1>{rule.rule.name}</h1>
      <p className="muted">
        Revision <span data-testid="rule-revision">{rule.revision}</span>, saved {formatTime(rule.updatedAt)} by {rule.updatedBy}
        {rule.deletedAt ? `; deleted ${formatTime(rule.deletedAt)}` : ""}. <Link href={`/servers?rule=${rule.id}`}>Servers it governs</Link>
      </p>
      {saved ? (
        <p role="status" className="notice" data-testid="rule-saved">
          Saved. An evaluation is on its way; the servers&apos; verdicts follow when it finishes.
        </p>
      ) : null}
      {options ? (
        // Keyed by revision: after a save or a reload the editor starts from the stored rule again.
        <RuleEditor key={rule.revision} ruleId={rule.id} revision={rule.revision} initial={{ ...rule.rule }} options={options} />
      ) : (
        <section aria-labelledby="definition">
          <h2 id="definition">Definition</h2>
          <pre className="code">{JSON.stringify(rule.rule, null, 2)}</pre>
        </section>
      )}

      <section aria-labelledby="revisions">
        <h2 id="revisions">Revisions</h2>
        <ol className="revisions" reversed data-testid="revisions">
          {rule.revisions.map((r) => (
            <li key={r.revision}>
              <h3>
                Revision {r.revision}: {formatTime(r.changedAt)} by {r.changedBy}
              </h3>
              {r.changes.length === 0 ? (
                <p className="muted">No field changed.</p>
              ) : (
                <table aria-label={`Changes in revision ${r.revision}`}>
                  <thead>
                    <tr>
                      <th scope="col">Field</th>
                      <th scope="col">Before</th>
                      <th scope="col">After</th>
                    </tr>
                  </thead>
                  <tbody>
                    {r.changes.map((c) => (
                      <tr key={c.field}>
                        <td className="mono">{c.field}</td>
                        <td className="mono diff-before break">{show(c.before)}</td>
                        <td className="mono diff-after break">{show(c.after)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </li>
          ))}
        </ol>
      </section>
    </>
  );
}
