"use client";
// The rule editor: the rule's fields as a structured form (scope, exclusions and requirement with labelled controls,
// list entries added and removed with buttons, the inventory's subscriptions, regions, vaults and policies offered as
// suggestions), or as JSON for those who prefer it, kept in step both ways; the API's validation shown at the control
// it concerns, with a summary linking to each; a what-if preview of the fleet's state changes, required (for the
// rule as it stands) before saving; and a clear answer when someone else saved a newer revision meanwhile (409).
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useMemo, useState } from "react";
import { ApiError, apiCall, type FieldIssue } from "@/app/_components/api-call";
import { Field, FieldGroup } from "@/app/_components/field";
import { formatCount, stateLabel } from "@/app/_components/format";
import type { RuleEditorOptions } from "@/core/rules/list-rule-editor-options";
import {
  blankRequirement,
  canonicalJson,
  controlPaths,
  describePath,
  emptySelector,
  JSON_CONTROL_PATHS,
  orderValue,
  placeIssues,
  removeAt,
  replaceAt,
  ruleFormFromJson,
  ruleFormToJson,
  rulePath,
  summariseIssues,
  type RuleForm,
} from "../_lib/rule-form";
import { controlId, RequirementFields, RuleDatalists, RuleFieldsProvider, SelectorFields } from "./rule-fields";

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
  referenceIssues: FieldIssue[];
}

const NO_OPTIONS: RuleEditorOptions = { subscriptions: [], resourceGroups: [], regions: [], postgresVersions: [], tagKeys: [], vaults: [], vaultTagKeys: [], policies: [] };
const JSON_PARTS = ["scope", "exclusions", "requirement"] as const;
type JsonPart = (typeof JSON_PARTS)[number];
type JsonTexts = Record<JsonPart, string>;

const SUMMARY_ID = "rule-error-summary";
const pretty = (value: unknown) => JSON.stringify(value, null, 2);
const jsonTexts = (shape: Record<JsonPart, unknown>): JsonTexts => ({ scope: pretty(shape.scope), exclusions: pretty(shape.exclusions), requirement: pretty(shape.requirement) });

/** The JSON texts as values, or "not valid JSON" at the text that is not. */
function parseJsonTexts(texts: JsonTexts): { values: Partial<Record<JsonPart, unknown>>; issues: FieldIssue[] } {
  const values: Partial<Record<JsonPart, unknown>> = {};
  const issues: FieldIssue[] = [];
  for (const part of JSON_PARTS) {
    try {
      values[part] = JSON.parse(texts[part]);
    } catch (err) {
      issues.push({ field: part, reason: `not valid JSON: ${(err as Error).message}` });
    }
  }
  return { values, issues };
}

export function RuleEditor({ ruleId, revision, initial, options = NO_OPTIONS }: { ruleId?: string; revision?: number; initial: EditableRule; options?: RuleEditorOptions }) {
  const router = useRouter();
  // A stored rule always loads into the form; should one not (a rule the form cannot show exactly), the editor opens as JSON.
  const [start] = useState(() => ruleFormFromJson(initial));
  const [name, setName] = useState(initial.name);
  const [description, setDescription] = useState(initial.description);
  const [enabled, setEnabled] = useState(initial.enabled);
  const [mode, setMode] = useState(initial.mode);
  const [order, setOrder] = useState(String(initial.order));
  const [form, setForm] = useState<RuleForm>(start.ok ? start.value : { scope: emptySelector(), exclusions: [], requirement: blankRequirement() });
  const [jsonMode, setJsonMode] = useState(!start.ok);
  const [json, setJson] = useState<JsonTexts>(() => jsonTexts({ scope: initial.scope, exclusions: initial.exclusions, requirement: initial.requirement }));
  /** The API's issues with the rule last sent, and the editor's own (JSON that does not parse, or that the form cannot show). */
  const [issues, setIssues] = useState<FieldIssue[]>(start.ok ? [] : start.problems);
  const [formError, setFormError] = useState<string | null>(start.ok ? null : "The form cannot show this rule exactly, so it opens as JSON; the reasons are at the fields.");
  const [conflict, setConflict] = useState<string | null>(null);
  const [preview, setPreview] = useState<{ text: string; result: WhatIfResult } | null>(null);
  const [busy, setBusy] = useState<"preview" | "save" | null>(null);
  const [focusTarget, setFocusTarget] = useState<string | null>(null);

  // Focus moves after the render that shows the control (an entry just added, the one taking a removed one's place).
  useEffect(() => {
    if (focusTarget === null) return;
    document.getElementById(focusTarget)?.focus();
    setFocusTarget(null);
  }, [focusTarget]);

  // The rule as it stands: from the form, or from the JSON texts (those that do not parse are errors at their own box
  // once a preview or save is tried).
  const built = useMemo(() => {
    let shape: Partial<Record<JsonPart, unknown>>;
    let parseIssues: FieldIssue[] = [];
    if (jsonMode) ({ values: shape, issues: parseIssues } = parseJsonTexts(json));
    else shape = ruleFormToJson(form);
    const rule = { name, description, enabled, mode, order: orderValue(order), ...shape };
    return { rule, parseIssues, text: canonicalJson(rule) };
  }, [name, description, enabled, mode, order, form, jsonMode, json]);

  const previewCurrent = preview !== null && preview.text === built.text;
  const paths = useMemo(() => (jsonMode ? JSON_CONTROL_PATHS : controlPaths(form)), [jsonMode, form]);
  const placed = useMemo(() => placeIssues(issues, paths), [issues, paths]);
  const summary = useMemo(() => summariseIssues(issues, paths), [issues, paths]);

  const fields = {
    errorsAt: (path: string) => placed[path],
    focusPath: (path: string, suffix = "") => setFocusTarget(`${controlId(path)}${suffix}`),
    forgetIssues: (path: string) => setIssues((list) => list.filter((i) => !rulePath(i.field).startsWith(`${path}.`))),
    options,
  };

  function showIssues(next: FieldIssue[], message: string | null) {
    setIssues(next);
    setFormError(message);
    // The summary is announced; focus goes there so that the keyboard can follow its links.
    setFocusTarget(SUMMARY_ID);
  }

  function fail(err: unknown) {
    if (err instanceof ApiError) {
      if (err.status === 409) {
        setConflict(err.message);
        return;
      }
      showIssues(err.issues, err.issues.length ? null : err.message);
      return;
    }
    showIssues([], (err as Error).message);
  }

  /** Clears the last answer before a preview or save; false (with the reasons shown) when the JSON does not parse. */
  function reset() {
    setConflict(null);
    if (built.parseIssues.length) {
      showIssues(built.parseIssues, null);
      return false;
    }
    setIssues([]);
    setFormError(null);
    return true;
  }

  function toggleJson() {
    if (!jsonMode) {
      setJson(jsonTexts(ruleFormToJson(form)));
      setJsonMode(true);
      return;
    }
    const { values, issues: parseIssues } = parseJsonTexts(json);
    if (parseIssues.length) {
      showIssues(parseIssues, "The JSON must parse before the form can show it.");
      return;
    }
    const loaded = ruleFormFromJson({ scope: values.scope, exclusions: values.exclusions, requirement: values.requirement });
    if (!loaded.ok) {
      showIssues(loaded.problems, "The form cannot show this JSON exactly: fix it here (the reasons are at the boxes), or preview to see what the API says of it.");
      return;
    }
    setForm(loaded.value);
    setJsonMode(false);
    setFormError(null);
    setIssues([]);
  }

  async function runPreview() {
    if (!reset()) return;
    setBusy("preview");
    try {
      const result = await apiCall<WhatIfResult>("POST", "/api/rules/what-if", { ...(ruleId ? { ruleId } : {}), rule: built.rule });
      setPreview({ text: built.text, result });
      if (result.referenceIssues.length) setIssues(result.referenceIssues);
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

  const setScope = (scope: RuleForm["scope"]) => setForm((f) => ({ ...f, scope }));
  const exclusionsPath = "exclusions";

  return (
    <form className="editor" aria-label={ruleId ? "Edit rule" : "New rule"} onSubmit={(e) => e.preventDefault()} noValidate>
      <RuleDatalists options={options} />
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
      {formError || summary.length ? (
        <div role="alert" className="error-box" tabIndex={-1} id={SUMMARY_ID} data-testid="rule-error-summary">
          {formError ? <p>{formError}</p> : null}
          {summary.length ? (
            <>
              {formError ? null : <p>Some fields need attention:</p>}
              <ul>
                {summary.map(({ path, control, reasons }) => (
                  <li key={path}>
                    {path ? (
                      <>
                        <a
                          href={`#${controlId(control)}`}
                          onClick={(e) => {
                            // Following the link moves focus to the control itself, not only the view.
                            const target = document.getElementById(controlId(control));
                            if (!target) return;
                            e.preventDefault();
                            target.scrollIntoView({ block: "center" });
                            target.focus({ preventScroll: true });
                          }}
                        >
                          {describePath(path)}
                        </a>
                        : {reasons.join("; ")}
                      </>
                    ) : (
                      reasons.join("; ")
                    )}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </div>
      ) : null}

      <div className="editor-row">
        <Field id={controlId("name")} label="Name" errors={placed.name}>
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} maxLength={200} />}
        </Field>
        <Field id={controlId("order")} label="Order (precedence: lowest wins)" errors={placed.order}>
          {(p) => <input {...p} inputMode="numeric" value={order} onChange={(e) => setOrder(e.target.value)} />}
        </Field>
        <Field id={controlId("mode")} label="Mode" errors={placed.mode}>
          {(p) => (
            <select {...p} value={mode} onChange={(e) => setMode(e.target.value as "audit" | "enforce")}>
              <option value="audit">audit (report only)</option>
              <option value="enforce">enforce (eligible for remediation)</option>
            </select>
          )}
        </Field>
        <Field id={controlId("enabled")} label="Enabled" errors={placed.enabled} inline>
          {(p) => <input {...p} type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />}
        </Field>
      </div>
      <Field id={controlId("description")} label="Description" errors={placed.description}>
        {(p) => <textarea {...p} rows={2} value={description} onChange={(e) => setDescription(e.target.value)} />}
      </Field>

      <div className="toolbar mode-toggle">
        <button type="button" className="secondary-inline" aria-pressed={jsonMode} onClick={toggleJson} aria-describedby="json-toggle-hint">
          Edit as JSON
        </button>
        <span id="json-toggle-hint" className="muted">
          {jsonMode ? "Scope, exclusions and requirement as JSON; press again to return to the form with your changes." : "Advanced: scope, exclusions and requirement as JSON, with your changes carried over."}
        </span>
      </div>

      {jsonMode ? (
        <>
          <Field id={controlId("scope")} label="Scope (JSON: subscriptions, resourceGroups, regions, tags, serverNames, postgresVersions; {} is the whole fleet)" errors={placed.scope}>
            {(p) => <textarea {...p} className="code" rows={6} spellCheck={false} value={json.scope} onChange={(e) => setJson({ ...json, scope: e.target.value })} />}
          </Field>
          <Field id={controlId("exclusions")} label="Exclusions (JSON list of the same criteria)" errors={placed.exclusions}>
            {(p) => <textarea {...p} className="code" rows={4} spellCheck={false} value={json.exclusions} onChange={(e) => setJson({ ...json, exclusions: e.target.value })} />}
          </Field>
          <Field id={controlId("requirement")} label="Requirement (JSON: vault, policy, roleAssignment)" errors={placed.requirement}>
            {(p) => <textarea {...p} className="code" rows={10} spellCheck={false} value={json.requirement} onChange={(e) => setJson({ ...json, requirement: e.target.value })} />}
          </Field>
        </>
      ) : (
        <RuleFieldsProvider value={fields}>
          <FieldGroup
            id={controlId("scope")}
            legend="Scope: the servers this rule governs"
            hint="Within a condition any entry matches; all the conditions given must match."
            errors={placed.scope}
            className="section"
          >
            <SelectorFields
              path="scope"
              value={form.scope}
              onChange={setScope}
              emptyNote="No conditions: the scope is the whole fleet. (Each server is governed by the enabled rule with the lowest order whose scope matches it.)"
            />
          </FieldGroup>

          <FieldGroup
            id={controlId(exclusionsPath)}
            legend="Exclusions: servers taken out of the scope"
            hint="A server is excluded when all the conditions of any one exclusion match it."
            errors={placed.exclusions}
            className="section"
          >
            {form.exclusions.length === 0 ? <p className="muted">No exclusions.</p> : null}
            {form.exclusions.map((exclusion, index) => {
              const at = `${exclusionsPath}.${index}`;
              return (
                <FieldGroup key={index} id={controlId(at)} legend={`Exclusion ${index + 1}`} errors={placed[at]} className="exclusion">
                  <SelectorFields
                    path={at}
                    value={exclusion}
                    onChange={(value) => setForm((f) => ({ ...f, exclusions: replaceAt(f.exclusions, index, value) }))}
                    emptyNote="This exclusion has no condition yet: add one (an exclusion without any would exclude every server, so it is refused)."
                  />
                  <button
                    type="button"
                    className="secondary-inline"
                    aria-label={`Remove exclusion ${index + 1}`}
                    onClick={() => {
                      fields.forgetIssues(exclusionsPath);
                      setForm((f) => ({ ...f, exclusions: removeAt(f.exclusions, index) }));
                      fields.focusPath(form.exclusions.length > 1 ? `${exclusionsPath}.${Math.min(index, form.exclusions.length - 2)}` : exclusionsPath, form.exclusions.length > 1 ? "" : "-add");
                    }}
                  >
                    Remove exclusion {index + 1}
                  </button>
                </FieldGroup>
              );
            })}
            <button
              type="button"
              id={`${controlId(exclusionsPath)}-add`}
              className="secondary-inline"
              onClick={() => {
                setForm((f) => ({ ...f, exclusions: [...f.exclusions, emptySelector()] }));
                fields.focusPath(`${exclusionsPath}.${form.exclusions.length}`);
              }}
            >
              Add {form.exclusions.length ? "another " : "an "}exclusion
            </button>
          </FieldGroup>

          <FieldGroup id={controlId("requirement")} legend="Requirement: where and how governed servers must be backed up" errors={placed.requirement} className="section">
            <RequirementFields value={form.requirement} onChange={(requirement) => setForm((f) => ({ ...f, requirement }))} />
          </FieldGroup>
        </RuleFieldsProvider>
      )}

      <div className="toolbar">
        <button type="button" onClick={() => void runPreview()} disabled={busy !== null}>
          {busy === "preview" ? "Judging the fleet..." : "Preview changes (what-if)"}
        </button>
        <button type="button" onClick={() => void save()} disabled={busy !== null || !previewCurrent} aria-describedby="save-hint">
          {busy === "save" ? "Saving..." : ruleId ? "Save as a new revision" : "Create rule"}
        </button>
        <span id="save-hint" className="muted">
          {previewCurrent ? "The preview matches the rule as it stands." : "Preview the changes before saving; any edit asks for a new preview."}
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
