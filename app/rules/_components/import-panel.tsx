"use client";
// Rules as code: load a rule set file (YAML or JSON), see what an import would create, change and delete (a dry
// run), then apply exactly that file.
import { useRouter } from "next/navigation";
import { useState } from "react";
import { ApiError, apiCall } from "@/app/_components/api-call";

interface ImportResult {
  dryRun: boolean;
  applied: boolean;
  plan: {
    create: { name: string; order: number }[];
    update: { id: string; name: string; fromRevision: number; summary: string[] }[];
    delete: { id: string; name: string; revision: number }[];
    unchanged: string[];
  };
}

export function ImportPanel() {
  const router = useRouter();
  const [format, setFormat] = useState<"yaml" | "json">("yaml");
  const [content, setContent] = useState("");
  const [result, setResult] = useState<{ key: string; value: ImportResult } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const key = `${format}\n${content}`;

  async function run(dryRun: boolean) {
    setError(null);
    setBusy(true);
    try {
      const value = await apiCall<ImportResult>("POST", "/api/rules/import", { format, content, dryRun });
      setResult({ key, value });
      if (value.applied) router.refresh();
    } catch (err) {
      setResult(null);
      setError(err instanceof ApiError && err.issues.length ? err.issues.map((i) => `${i.field}: ${i.reason}`).join("\n") : (err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  async function load(file: File | undefined) {
    if (!file) return;
    setContent(await file.text());
    if (/\.json$/i.test(file.name)) setFormat("json");
    else if (/\.ya?ml$/i.test(file.name)) setFormat("yaml");
  }

  const plan = result?.key === key ? result.value : null;
  return (
    <section aria-labelledby="import" className="import">
      <h2 id="import">Import a rule set</h2>
      <p className="muted">The file replaces every rule: rules only in the file are created, rules in both are updated, rules only in Flexguard are deleted.</p>
      <div className="toolbar">
        <label>
          File
          <input type="file" accept=".yaml,.yml,.json,application/json,text/yaml" onChange={(e) => void load(e.target.files?.[0])} />
        </label>
        <label>
          Format
          <select value={format} onChange={(e) => setFormat(e.target.value as "yaml" | "json")}>
            <option value="yaml">YAML</option>
            <option value="json">JSON</option>
          </select>
        </label>
      </div>
      <label>
        Rule set
        <textarea className="code" rows={8} spellCheck={false} value={content} onChange={(e) => setContent(e.target.value)} />
      </label>
      <div className="toolbar">
        <button type="button" disabled={busy || !content.trim()} onClick={() => void run(true)}>
          Dry run
        </button>
        <button type="button" disabled={busy || !plan || plan.applied} onClick={() => void run(false)}>
          Apply this file
        </button>
      </div>
      {error ? (
        <div role="alert" className="error-box pre">
          {error}
        </div>
      ) : null}
      {plan ? (
        <div role="status" data-testid="import-plan">
          <p>
            {plan.applied ? "Applied: " : "Would "}
            {plan.plan.create.length} create, {plan.plan.update.length} update, {plan.plan.delete.length} delete, {plan.plan.unchanged.length} unchanged.
          </p>
          <ul>
            {plan.plan.create.map((c) => (
              <li key={`c-${c.name}`}>create {c.name} (order {c.order})</li>
            ))}
            {plan.plan.update.map((u) => (
              <li key={`u-${u.id}`}>
                update {u.name} (from revision {u.fromRevision})
                <ul>
                  {u.summary.map((line) => (
                    <li key={line} className="mono">
                      {line}
                    </li>
                  ))}
                </ul>
              </li>
            ))}
            {plan.plan.delete.map((d) => (
              <li key={`d-${d.id}`}>delete {d.name}</li>
            ))}
          </ul>
        </div>
      ) : null}
    </section>
  );
}
