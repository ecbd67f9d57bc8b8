"use client";
// The rule editor: the rule's fields, with the API's validation shown at the field it concerns; a what-if preview
// of the fleet's state changes, required (for the text as it stands) before saving; and a clear answer when
// someone else saved a newer revision meanwhile (409).
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMemo, useState } from "react";
import { ApiError, apiCall, issuesByField } from "@/app/_components/api-call";
import { Field } from "@/app/_components/field";
import { formatCount, stateLabel } from "@/app/_components/format";

export interface EditableRule {
  name: string;
  description: string;
  enabled: boolean;
  mode: "audit" | "enforce";
  order: number;
  scope: unknown;
  exclusions: unknown;
  requirement: unknown;
}

interface WhatIfResult {
  servers: number;
  changing: number;
  transitions: Record<string, number>;
  sample: { serverId: string; name: string; subscriptionId: string; from: string; to: string }[];
  referenceIssues: { field: string; reason: string }[];
}

const json = (value: unknown) => JSON.stringify(value, null, 2);

export function RuleEditor({ ruleId, revision, initial }: { ruleId?: string; revision?: number; initial: EditableRule }) {
  const router = useRouter();
  const [name, setName] = useState(initial.name);
  const [description, setDescription] = useState(initial.description);
  const [enabled, setEnabled] = useState(initial.enabled);
  const [mode, setMode] = useState(initial.mode);
  const [order, setOrder] = useState(String(initial.order));
  const [scope, setScope] = useState(json(initial.scope));
  const [exclusions, setExclusions] = useState(json(initial.exclusions));
  const [requirement, setRequirement] = useState(json(initial.requirement));
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [conflict, setConflict] = useState<string | null>(null);
  const [preview, setPreview] = useState<{ text: string; result: WhatIfResult } | null>(null);
  const [busy, setBusy] = useState<"preview" | "save" | null>(null);

  // The rule as typed; JSON that does not parse is an error at its own field, before anything is sent.
  const built = useMemo(() => {
    const local: Record<string, string[]> = {};
    const parse = (field: string, text: string): unknown => {
      try {
        return JSON.parse(text);
      } catch (err) {
        local[field] = [`not valid JSON: ${(err as Error).message}`];
        return undefined;
      }
    };
    const rule = {
      name,
      description,
      enabled,
      mode,
      order: order.trim() === "" || Number.isNaN(Number(order)) ? order : Number(order),
      scope: parse("scope", scope),
      exclusions: parse("exclusions", exclusions),
      requirement: parse("requirement", requirement),
    };
    return { rule, local, text: JSON.stringify(rule) };
  }, [name, description, enabled, mode, order, scope, exclusions, requirement]);

  const previewCurrent = preview !== null && preview.text === built.text;

  function fail(err: unknown) {
    if (err instanceof ApiError) {
      if (err.status === 409) {
        setConflict(err.message);
        return;
      }
      const byField = issuesByField(err.issues, "rule.");
      setErrors(byField);
      setFormError(err.issues.length ? (byField[""]?.join("; ") ?? "Some fields need attention; see the messages at the fields.") : err.message);
      return;
    }
    setFormError((err as Error).message);
  }

  function reset() {
    setErrors(built.local);
    setFormError(null);
    setConflict(null);
    return Object.keys(built.local).length === 0;
  }

  async function runPreview() {
    if (!reset()) return;
    setBusy("preview");
    try {
      const result = await apiCall<WhatIfResult>("POST", "/api/rules/what-if", { ...(ruleId ? { ruleId } : {}), rule: built.rule });
      setPreview({ text: built.text, result });
      if (result.referenceIssues.length) setErrors(issuesByField(result.referenceIssues, "rule."));
    } catch (err) {
      setPreview(null);
      fail(err);
    } finally {
      setBusy(null);
    }
  }

  async function save() {
    if (!reset()) return;
    setBusy("save");
    try {
      const saved = ruleId
        ? await apiCall<{ id: string }>("PUT", `/api/rules/${ruleId}`, { revision, rule: built.rule })
        : await apiCall<{ id: string }>("POST", "/api/rules", built.rule);
      router.push(`/rules/${saved.id}?saved=1`);
      router.refresh();
    } catch (err) {
      fail(err);
    } finally {
      setBusy(null);
    }
  }

  return (
    <form className="editor" aria-label={ruleId ? "Edit rule" : "New rule"} onSubmit={(e) => e.preventDefault()} noValidate>
      {conflict ? (
        <div role="alert" className="error-box" data-testid="rule-conflict">
          <p>
            <strong>Not saved: this rule changed while you were editing.</strong> {conflict}
          </p>
          <p>
            <Link href={`/rules/${ruleId}`} onClick={() => router.refresh()}>
              Open the latest revision
            </Link>{" "}
            (your edits here are kept until you leave the page; copy what you need).
          </p>
        </div>
      ) : null}
      {formError ? (
        <div role="alert" className="error-box">
          {formError}
        </div>
      ) : null}

      <div className="editor-row">
        <Field label="Name" errors={errors.name}>
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} maxLength={200} />}
        </Field>
        <Field label="Order (precedence: lowest wins)" errors={errors.order}>
          {(p) => <input {...p} inputMode="numeric" value={order} onChange={(e) => setOrder(e.target.value)} />}
        </Field>
        <Field label="Mode" errors={errors.mode}>
          {(p) => (
            <select {...p} value={mode} onChange={(e) => setMode(e.target.value as "audit" | "enforce")}>
              <option value="audit">audit (report only)</option>
              <option value="enforce">enforce (eligible for remediation)</option>
            </select>
          )}
        </Field>
        <Field label="Enabled" errors={errors.enabled} inline>
          {(p) => <input {...p} type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />}
        </Field>
      </div>
      <Field label="Description" errors={errors.description}>
        {(p) => <textarea {...p} rows={2} value={description} onChange={(e) => setDescription(e.target.value)} />}
      </Field>
      <Field label="Scope (JSON: subscriptions, resourceGroups, regions, tags, serverNames, postgresVersions; {} is the whole fleet)" errors={errors.scope}>
        {(p) => <textarea {...p} className="code" rows={6} spellCheck={false} value={scope} onChange={(e) => setScope(e.target.value)} />}
      </Field>
      <Field label="Exclusions (JSON list of the same criteria)" errors={errors.exclusions}>
        {(p) => <textarea {...p} className="code" rows={4} spellCheck={false} value={exclusions} onChange={(e) => setExclusions(e.target.value)} />}
      </Field>
      <Field label="Requirement (JSON: vault, policy, roleAssignment)" errors={errors.requirement}>
        {(p) => <textarea {...p} className="code" rows={10} spellCheck={false} value={requirement} onChange={(e) => setRequirement(e.target.value)} />}
      </Field>

      <div className="toolbar">
        <button type="button" onClick={() => void runPreview()} disabled={busy !== null}>
          {busy === "preview" ? "Judging the fleet..." : "Preview changes (what-if)"}
        </button>
        <button type="button" onClick={() => void save()} disabled={busy !== null || !previewCurrent} aria-describedby="save-hint">
          {busy === "save" ? "Saving..." : ruleId ? "Save as a new revision" : "Create rule"}
        </button>
        <span id="save-hint" className="muted">
          {previewCurrent ? "The preview matches the rule as typed." : "Preview the changes before saving; any edit asks for a new preview."}
        </span>
      </div>

      {preview ? <WhatIf result={preview.result} stale={!previewCurrent} /> : null}
    </form>
  );
}

function WhatIf({ result, stale }: { result: WhatIfResult; stale: boolean }) {
  return (
    <section aria-labelledby="what-if" className="what-if" data-testid="what-if">
      <h2 id="what-if">What would change</h2>
      {stale ? <p className="muted">The rule changed since this preview; preview again before saving.</p> : null}
      <p role="status" data-testid="what-if-summary">
        {formatCount(result.changing)} of {formatCount(result.servers)} servers would change state.
      </p>
      {result.changing > 0 ? (
        <div className="grid-2">
          <table aria-label="State changes">
            <thead>
              <tr>
                <th scope="col">From</th>
                <th scope="col">To</th>
                <th scope="col" className="num">Servers</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(result.transitions).map(([key, n]) => {
                const [from, to] = key.split(" -> ");
                return (
                  <tr key={key}>
                    <td>{stateLabel(from ?? "")}</td>
                    <td>{stateLabel(to ?? "")}</td>
                    <td className="num">{formatCount(n)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <table aria-label="Servers that would change (sample)">
            <thead>
              <tr>
                <th scope="col">Server</th>
                <th scope="col">From</th>
                <th scope="col">To</th>
              </tr>
            </thead>
            <tbody>
              {result.sample.map((s) => (
                <tr key={s.serverId} data-testid="what-if-sample">
                  <td>
                    <Link href={`/servers/${s.serverId}`}>{s.name}</Link>
                  </td>
                  <td>{stateLabel(s.from)}</td>
                  <td data-state={s.to}>{stateLabel(s.to)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {result.referenceIssues.length ? (
        <p className="error">Saving would be refused until the vaults or policies named exist in the inventory (see the fields above).</p>
      ) : null}
    </section>
  );
}
