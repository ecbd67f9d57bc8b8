// GET /remediation/new?<server filters>|ids=<id,id>|region=<region>&<options>: the preview of a plan from the current
// verdicts (what each server would become, what is left out and why, regions without a vault, the estimate), and
// the form that names it, chooses options and drafts it. Linked from the servers page (its filters or picked ids)
// and the vaults page (region=: protect the servers in this region).
import Link from "next/link";
import { roleCan } from "@/core/auth/permissions";
import { buildPlanContent } from "@/core/remediation/draft-plan";
import { PLAN_FILTER_KEYS, draftPlanInputSchema, resolveOptions, type PlanSelection } from "@/core/remediation/schemas";
import { requirePageActor } from "../../_lib/actor";
import { formatCount, stateLabel } from "../../_components/format";
import { formatDuration, itemKindLabel } from "../plan-format";
import { DraftForm } from "./draft-form";

export const dynamic = "force-dynamic";

type Params = Record<string, string | string[] | undefined>;
const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
const all = (v: string | string[] | undefined) => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).flatMap((x) => x.split(",")).map((x) => x.trim()).filter(Boolean));

/** The draft request the URL describes. */
function requestFrom(params: Params) {
  const ids = all(params.ids);
  const filter = Object.fromEntries(PLAN_FILTER_KEYS.flatMap((k) => (first(params[k]) ? [[k, first(params[k])!]] : [])));
  const selection: PlanSelection = ids.length ? { kind: "servers", serverIds: ids } : Object.keys(filter).length ? { kind: "filter", filter } : { kind: "all" };
  const number = (key: string) => (first(params[key]) ? Number(first(params[key])) : undefined);
  const region = first(params.region);
  // Coming from the vaults page for a region: offer to create its vault when it has none.
  const createVaultsIn = params.createVaultsIn !== undefined ? all(params.createVaultsIn) : params.options === undefined && region ? [region] : [];
  return {
    ...(first(params.name) ? { name: first(params.name) } : {}),
    selection,
    options: {
      firstBackup: params.options === undefined ? true : first(params.firstBackup) === "on",
      createVaultsIn,
      ...(number("canarySize") !== undefined ? { canarySize: number("canarySize") } : {}),
      ...(number("concurrency") !== undefined ? { concurrency: number("concurrency") } : {}),
      ...(number("perVaultConcurrency") !== undefined ? { perVaultConcurrency: number("perVaultConcurrency") } : {}),
    },
    ...(first(params.vaultStorageType) ? { vaultStorageType: first(params.vaultStorageType) } : {}),
  };
}

export default async function NewPlanPage({ searchParams }: { searchParams: Promise<Params> }) {
  const actor = await requirePageActor();
  if (!roleCan(actor.role, "plans:draft"))
    return (
      <>
        <h1>Draft a plan</h1>
        <p className="empty">Your role ({actor.role.toLowerCase()}) may not draft plans; an operator drafts them.</p>
      </>
    );
  const params = await searchParams;
  const parsed = draftPlanInputSchema.safeParse(requestFrom(params));
  if (!parsed.success)
    return (
      <>
        <h1>Draft a plan</h1>
        <div role="alert" className="error-box">
          <p>This selection cannot be used:</p>
          <ul>
            {parsed.error.issues.map((i) => (
              <li key={`${i.path.join(".")}:${i.message}`}>
                {i.path.join(".") || "request"}: {i.message}
              </li>
            ))}
          </ul>
          <Link href="/servers">Choose servers</Link>
        </div>
      </>
    );
  const request = parsed.data;
  const options = resolveOptions(request.options);
  const preview = await buildPlanContent(actor, { selection: request.selection, options, vaultStorageType: request.vaultStorageType ?? null });
  const selectionText =
    request.selection.kind === "all"
      ? "Every non-compliant server governed by an enforce-mode rule"
      : request.selection.kind === "servers"
        ? `${formatCount(request.selection.serverIds.length)} picked server${request.selection.serverIds.length === 1 ? "" : "s"}`
        : `Non-compliant servers matching ${Object.entries(request.selection.filter)
            .map(([k, v]) => `${k} ${k === "state" ? String(v).split(",").map(stateLabel).join(", ") : v}`)
            .join(", ")}`;
  const executable = (preview.kinds.protectServer ?? 0) + (preview.kinds.assignRoles ?? 0);

  return (
    <>
      <p className="breadcrumb">
        <Link href="/remediation">Remediation</Link> / <span aria-current="page">Draft a plan</span>
      </p>
      <h1>Draft a plan</h1>
      <p data-testid="plan-selection">{selectionText}, as the latest verdicts judge them.</p>

      <section aria-labelledby="preview-heading">
        <h2 id="preview-heading">Preview</h2>
        <div className="stats">
          <div className="stat">
            <div className="value" data-testid="preview-items">{formatCount(preview.items.length)}</div>
            <div className="label">items</div>
          </div>
          <div className="stat">
            <div className="value">{formatCount(executable)}</div>
            <div className="label">servers Flexguard fixes</div>
          </div>
          <div className="stat">
            <div className="value">{formatDuration(preview.estimate.seconds)}</div>
            <div className="label">estimated (bound by {preview.estimate.boundBy})</div>
          </div>
        </div>
        <table aria-label="Items by kind">
          <thead>
            <tr>
              <th scope="col">Kind</th>
              <th scope="col" className="num">Items</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(preview.kinds).map(([kind, n]) => (
              <tr key={kind}>
                <td>{itemKindLabel(kind)}</td>
                <td className="num">{formatCount(n)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {Object.keys(preview.skipped).length ? (
          <>
            <h3>Left out</h3>
            <ul>
              {Object.entries(preview.skipped).map(([reason, n]) => (
                <li key={reason}>
                  {formatCount(n)}: {reason}
                </li>
              ))}
            </ul>
          </>
        ) : null}
      </section>

      <DraftForm
        hidden={Object.fromEntries(Object.entries(params).flatMap(([k, v]) => (["name", "firstBackup", "createVaultsIn", "canarySize", "concurrency", "perVaultConcurrency", "vaultStorageType", "options"].includes(k) || v === undefined ? [] : [[k, all(v).join(",")]])))}
        request={{ selection: request.selection, vaultStorageType: request.vaultStorageType ?? null }}
        name={request.name ?? ""}
        options={options}
        regions={preview.regionsWithoutVault}
        canDraft={preview.items.length > 0}
      />
    </>
  );
}
