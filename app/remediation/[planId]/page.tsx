// GET /remediation/:planId?page=&kind=: a plan: status, approval, counts, estimate, what was left out, its items
// with before/after (paged), the decision controls and the run's progress. Values from Azure are rendered as text.
import Link from "next/link";
import { notFound } from "next/navigation";
import { roleCan } from "@/core/auth/permissions";
import { AppError } from "@/core/errors";
import { getPlan, type PlanDetail } from "@/core/remediation/get-plan";
import { ITEM_KINDS } from "@/core/remediation/schemas";
import { requirePageActor } from "../../_lib/actor";
import { formatCount, formatTime } from "../../_components/format";
import { Pager } from "../../_components/pager";
import { formatDuration, itemKindLabel, planStatusLabel } from "../plan-format";
import { PlanActions, RemoveItemButton } from "./plan-actions";
import { RunProgress } from "./run-progress";

export const dynamic = "force-dynamic";

const PAGE_SIZE = 100;

interface Summary {
  skipped?: Record<string, number>;
  estimate?: { boundBy: string; parts: Record<string, number> };
}

export default async function PlanPage({ params, searchParams }: { params: Promise<{ planId: string }>; searchParams: Promise<{ page?: string; kind?: string }> }) {
  const actor = await requirePageActor();
  const { planId } = await params;
  const query = await searchParams;
  const kind = ITEM_KINDS.find((k) => k === query.kind);
  const page = Math.max(1, Number.parseInt(query.page ?? "1", 10) || 1);
  let plan: PlanDetail;
  try {
    plan = await getPlan(actor, planId, { page, pageSize: PAGE_SIZE, ...(kind ? { kind } : {}) });
  } catch (err) {
    if (err instanceof AppError && err.code === "NOT_FOUND") notFound();
    throw err;
  }
  const summary = (plan.summary ?? {}) as Summary;
  const pages = Math.max(1, Math.ceil(plan.items.total / PAGE_SIZE));
  const href = (p: number, k: string | undefined = kind) => {
    const q = new URLSearchParams();
    if (k) q.set("kind", k);
    if (p > 1) q.set("page", String(p));
    return `/remediation/${plan.id}${q.size ? `?${q}` : ""}`;
  };
  const editable = plan.can.edit;

  return (
    <>
      <p className="breadcrumb">
        <Link href="/remediation">Remediation</Link> / <span aria-current="page">{plan.name}</span>
      </p>
      <h1>{plan.name}</h1>
      <dl className="facts">
        <dt>Status</dt>
        <dd data-testid="plan-status-text">
          {planStatusLabel(plan.status)}
          {plan.notExecutableReason ? ` (${plan.notExecutableReason})` : ""}
        </dd>
        <dt>Revision</dt>
        <dd>{plan.revision}</dd>
        <dt>Content hash</dt>
        <dd className="mono" data-testid="plan-hash">
          {plan.contentHash}
        </dd>
        <dt>Drafted</dt>
        <dd>
          {formatTime(plan.createdAt)} by {plan.createdBy}
        </dd>
        {plan.submittedAt ? (
          <>
            <dt>Submitted</dt>
            <dd>{formatTime(plan.submittedAt)}</dd>
          </>
        ) : null}
        {plan.decidedBy ? (
          <>
            <dt>{plan.status === "REJECTED" ? "Rejected" : "Approved"}</dt>
            <dd data-testid="plan-decision">
              {formatTime(plan.decidedAt)} by {plan.decidedBy}: {plan.decisionComment}
            </dd>
          </>
        ) : null}
        {plan.approvalExpiresAt ? (
          <>
            <dt>Approval valid until</dt>
            <dd>{formatTime(plan.approvalExpiresAt)}</dd>
          </>
        ) : null}
        <dt>Estimate</dt>
        <dd>
          about {formatDuration(plan.estimateSeconds)}
          {summary.estimate ? <span className="muted"> (bound by {summary.estimate.boundBy})</span> : null}
        </dd>
        <dt>Options</dt>
        <dd>
          {plan.options.firstBackup ? "first backup taken and followed" : "no first backup"}; {plan.options.concurrency} at once, {plan.options.perVaultConcurrency} per vault
          {plan.options.canarySize ? `; canary of ${plan.options.canarySize}` : ""}
          {plan.options.createVaultsIn.length ? `; creates vaults in ${plan.options.createVaultsIn.join(", ")}` : ""}
        </dd>
      </dl>

      <PlanActions
        planId={plan.id}
        name={plan.name}
        revision={plan.revision}
        contentHash={plan.contentHash}
        can={plan.can}
        approverRole={roleCan(actor.role, "plans:approve")}
        awaitingApproval={plan.status === "AWAITING_APPROVAL"}
      />

      <RunProgress planId={plan.id} />

      <section aria-labelledby="counts-heading">
        <h2 id="counts-heading">Items</h2>
        <nav className="tabs" aria-label="Item kind">
          <Link href={href(1, undefined)} aria-current={kind ? undefined : "page"}>
            All ({formatCount(plan.itemCount)})
          </Link>
          {Object.entries(plan.liveCounts.kinds).map(([k, n]) => (
            <Link key={k} href={href(1, k)} aria-current={kind === k ? "page" : undefined}>
              {itemKindLabel(k)} ({formatCount(n)})
            </Link>
          ))}
        </nav>
        {summary.skipped && Object.keys(summary.skipped).length ? (
          <details>
            <summary>Servers left out of the plan</summary>
            <ul>
              {Object.entries(summary.skipped).map(([reason, n]) => (
                <li key={reason}>
                  {formatCount(n)}: {reason}
                </li>
              ))}
            </ul>
          </details>
        ) : null}
        <table aria-label="Plan items">
          <thead>
            <tr>
              <th scope="col" className="num">#</th>
              <th scope="col">Kind</th>
              <th scope="col">Status</th>
              <th scope="col">What happens</th>
              <th scope="col">Before → after</th>
              {editable ? <th scope="col">Edit</th> : null}
            </tr>
          </thead>
          <tbody>
            {plan.items.rows.map((item) => (
              <tr key={item.id}>
                <td className="num">{item.seq}</td>
                <td>
                  {itemKindLabel(item.kind)}
                  {item.canary ? <span className="muted"> (canary)</span> : null}
                  {item.dependsOn.length ? <span className="muted"> after #{item.dependsOn.join(", #")}</span> : null}
                </td>
                <td>
                  {item.status.toLowerCase().replace(/_/g, " ")}
                  {item.errorCode ? <span className="error"> {item.errorCode}</span> : null}
                </td>
                <td className="break">
                  {item.serverId ? <Link href={`/servers/${item.serverId}`}>{item.summary}</Link> : item.summary}
                </td>
                <td className="break">
                  {item.diff.length ? (
                    <ul>
                      {item.diff.map((d, i) => (
                        <li key={`${d.field}-${i}`}>
                          {d.field}: <span className="muted">{d.before ?? "none"}</span> → {d.after ?? "none"}
                        </li>
                      ))}
                    </ul>
                  ) : (
                    <span className="muted">no change by Flexguard</span>
                  )}
                </td>
                {editable ? (
                  <td>
                    <RemoveItemButton planId={plan.id} revision={plan.revision} seq={item.seq} />
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
        {pages > 1 ? <Pager page={page} pages={pages} href={href} /> : null}
      </section>
    </>
  );
}
