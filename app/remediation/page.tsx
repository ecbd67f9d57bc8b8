// GET /remediation?status=: remediation plans, newest first, in tabs by status (awaiting approval first for approvers).
import Link from "next/link";
import { roleCan } from "@/core/auth/permissions";
import { listPlans } from "@/core/remediation/list-plans";
import { requirePageActor } from "../_lib/actor";
import { formatCount, formatTime } from "../_components/format";
import { Pager } from "../_components/pager";
import { formatDuration, planStatusLabel } from "./plan-format";

export const dynamic = "force-dynamic";

const TABS: { key: string; label: string; statuses: string | null }[] = [
  { key: "all", label: "All", statuses: null },
  { key: "draft", label: "Drafts", statuses: "DRAFT" },
  { key: "awaiting", label: "Awaiting approval", statuses: "AWAITING_APPROVAL" },
  { key: "approved", label: "Approved", statuses: "APPROVED" },
  { key: "running", label: "Running", statuses: "RUNNING,PAUSED" },
  { key: "finished", label: "Finished", statuses: "SUCCEEDED,FAILED,CANCELLED" },
  { key: "rejected", label: "Rejected", statuses: "REJECTED" },
];

export default async function PlansPage({ searchParams }: { searchParams: Promise<{ tab?: string; page?: string }> }) {
  const actor = await requirePageActor();
  const params = await searchParams;
  const tab = TABS.find((t) => t.key === params.tab) ?? TABS[0]!;
  const page = Math.max(1, Number.parseInt(params.page ?? "1", 10) || 1);
  const result = await listPlans(actor, { ...(tab.statuses ? { status: tab.statuses } : {}), page, pageSize: 50 });
  const countOf = (statuses: string | null) =>
    statuses === null ? Object.values(result.statusCounts).reduce((a, b) => a + b, 0) : statuses.split(",").reduce((n, s) => n + (result.statusCounts[s as keyof typeof result.statusCounts] ?? 0), 0);
  const pages = Math.max(1, Math.ceil(result.total / result.pageSize));
  const href = (p: number) => `/remediation?tab=${tab.key}${p > 1 ? `&page=${p}` : ""}`;
  return (
    <>
      <h1>Remediation plans</h1>
      <div className="toolbar">
        {roleCan(actor.role, "plans:draft") ? <Link href="/remediation/new">Draft a plan</Link> : null}
        <span className="muted">An operator drafts a plan from the current verdicts; someone else with the approver role approves it before it runs.</span>
      </div>
      <nav className="tabs" aria-label="Plan status">
        {TABS.map((t) => (
          <Link key={t.key} href={`/remediation?tab=${t.key}`} aria-current={t.key === tab.key ? "page" : undefined}>
            {t.label} ({formatCount(countOf(t.statuses))})
          </Link>
        ))}
      </nav>
      {result.items.length === 0 ? (
        <p className="empty">No plans here yet.</p>
      ) : (
        <table aria-label="Remediation plans">
          <thead>
            <tr>
              <th scope="col">Plan</th>
              <th scope="col">Status</th>
              <th scope="col" className="num">Items</th>
              <th scope="col">Estimate</th>
              <th scope="col">Drafted</th>
              <th scope="col">Decided</th>
            </tr>
          </thead>
          <tbody>
            {result.items.map((p) => (
              <tr key={p.id}>
                <td>
                  <Link href={`/remediation/${p.id}`}>{p.name}</Link>
                </td>
                <td>
                  {planStatusLabel(p.status)}
                  {p.notExecutableReason ? <span className="muted"> ({p.notExecutableReason})</span> : null}
                </td>
                <td className="num">{formatCount(p.itemCount)}</td>
                <td>{formatDuration(p.estimateSeconds)}</td>
                <td>
                  {formatTime(p.createdAt)} by {p.createdBy}
                </td>
                <td>{p.decidedBy ? `${formatTime(p.decidedAt)} by ${p.decidedBy}` : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {pages > 1 ? <Pager page={page} pages={pages} href={href} /> : null}
    </>
  );
}
