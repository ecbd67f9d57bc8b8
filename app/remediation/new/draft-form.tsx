"use client";
// The plan's name and options: "Update preview" reloads the page with them in the URL; "Draft plan" drafts it.
import { useRouter } from "next/navigation";
import { useRef, useState } from "react";
import { apiCall } from "@/app/_components/api-call";

interface Props {
  /** The selection's query parameters, carried along when the preview is updated. */
  hidden: Record<string, string>;
  request: { selection: unknown; vaultStorageType: string | null };
  name: string;
  options: { firstBackup: boolean; createVaultsIn: string[]; canarySize: number; concurrency: number; perVaultConcurrency: number };
  regions: { region: string; servers: number; creatable: boolean; planned: boolean }[];
  canDraft: boolean;
}

export function DraftForm({ hidden, request, name, options, regions, canDraft }: Props) {
  const router = useRouter();
  const form = useRef<HTMLFormElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function draft() {
    setError(null);
    const data = new FormData(form.current!);
    const num = (key: string) => Number(data.get(key));
    setBusy(true);
    try {
      const plan = await apiCall<{ id: string }>("POST", "/api/plans", {
        ...(String(data.get("name") ?? "").trim() ? { name: String(data.get("name")).trim() } : {}),
        selection: request.selection,
        options: {
          firstBackup: data.get("firstBackup") === "on",
          createVaultsIn: data.getAll("createVaultsIn").map(String),
          canarySize: num("canarySize"),
          concurrency: num("concurrency"),
          perVaultConcurrency: num("perVaultConcurrency"),
        },
        ...(request.vaultStorageType ? { vaultStorageType: request.vaultStorageType } : {}),
      });
      router.push(`/remediation/${plan.id}`);
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  }

  return (
    <form ref={form} method="get" action="/remediation/new" className="stack" aria-label="Plan options">
      {Object.entries(hidden).map(([k, v]) => (
        <input key={k} type="hidden" name={k} value={v} />
      ))}
      <input type="hidden" name="options" value="1" />
      <h2>Name and options</h2>
      <label>
        Plan name
        <input name="name" defaultValue={name} maxLength={200} placeholder="Protect westeurope production servers" />
      </label>
      <label className="field-inline">
        <input type="checkbox" name="firstBackup" defaultChecked={options.firstBackup} /> Take a first backup and follow it to the end
      </label>
      {regions.length ? (
        <fieldset>
          <legend>Regions without a vault</legend>
          {regions.map((r) => (
            <label key={r.region} className="field-inline">
              <input type="checkbox" name="createVaultsIn" value={r.region} defaultChecked={options.createVaultsIn.includes(r.region)} disabled={!r.creatable} />
              Create a Backup vault in {r.region} for its {r.servers} server{r.servers === 1 ? "" : "s"}
              {r.creatable ? "" : " (the rule does not say what vault it needs there)"}
            </label>
          ))}
        </fieldset>
      ) : null}
      <label>
        Canary: items run first, alone
        <input name="canarySize" type="number" min={0} max={500} defaultValue={options.canarySize} />
      </label>
      <label>
        Items at once
        <input name="concurrency" type="number" min={1} max={500} defaultValue={options.concurrency} />
      </label>
      <label>
        Items at once per vault
        <input name="perVaultConcurrency" type="number" min={1} max={100} defaultValue={options.perVaultConcurrency} />
      </label>
      <div className="filter-actions">
        <button type="submit" className="secondary">
          Update preview
        </button>
        <button type="button" onClick={() => void draft()} disabled={busy || !canDraft}>
          Draft plan
        </button>
      </div>
      {error ? (
        <p role="alert" className="error">
          {error}
        </p>
      ) : null}
    </form>
  );
}
