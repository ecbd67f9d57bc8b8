// GET /: the overview: how protected the fleet in the viewer's subscriptions is (the figures of GET /api/status and
// `flexguard status`), where the problems are, how it moved, what broke most recently, and the last scan and evaluation.
import Link from "next/link";
import { redirect } from "next/navigation";
import { roleCan } from "@/core/auth/permissions";
import { getOverview, type StateBreakdownRow } from "@/core/dashboard/get-overview";
import { listPlansAwaitingApproval } from "@/core/dashboard/list-plans-awaiting-approval";
import { NON_COMPLIANT_STATES } from "@/core/rules/verdict";
import { requirePageActor } from "../_lib/actor";
import { formatCount, formatShare, formatTime, stateLabel } from "../_components/format";
import { ScanNowButton } from "../_components/scan-now-button";
import { StateBadge } from "../_components/state-badge";
import { TrendChart, type TrendRow } from "../_components/trend-chart";

export const dynamic = "force-dynamic";

const NON_COMPLIANT = new Set<string>(NON_COMPLIANT_STATES);

export default async function OverviewPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await requirePageActor();
  // The server list used to live here: old links to a page of it land on the servers page.
  const { page } = await searchParams;
  if (typeof page === "string") redirect(`/servers?page=${encodeURIComponent(page)}`);

  const [overview, awaiting] = await Promise.all([getOverview(actor), listPlansAwaitingApproval(actor, { limit: 5 })]);
  const { status, lastScan, lastEvaluation } = overview;
  const trend: TrendRow[] = overview.trend.map((p) => {
    let compliant = 0;
    let nonCompliant = 0;
    let other = 0;
    for (const [state, n] of Object.entries(p.states)) {
      if (state === "compliant") compliant += n;
      else if (NON_COMPLIANT.has(state)) nonCompliant += n;
      else other += n;
    }
    return { day: p.day, compliant, nonCompliant, other };
  });
  const states = Object.entries(status.states).sort((a, b) => b[1] - a[1]);

  return (
    <>
      <h1>Overview</h1>
      {roleCan(actor.role, "scan:run") ? <ScanNowButton /> : null}
      <section className="stats" aria-label="Fleet summary">
        <div className="stat">
          <div className="value" data-testid="server-count">{formatCount(status.servers)}</div>
          <div className="label">PostgreSQL flexible servers</div>
        </div>
        <div className="stat">
          <div className="value" data-testid="compliant-share">{formatShare(status.compliantShare)}</div>
          <div className="label">compliant, of the servers a rule governs (exempt ones aside)</div>
        </div>
        <div className="stat">
          <div className="value" data-testid="compliant-count">{formatCount(status.compliant)}</div>
          <div className="label">
            <Link href="/servers?state=compliant">compliant servers</Link>
          </div>
        </div>
        <div className="stat">
          <div className="value" data-testid="non-compliant-count">{formatCount(status.nonCompliant)}</div>
          <div className="label">
            <Link href="/servers?state=non_compliant">non-compliant servers</Link>
          </div>
        </div>
        <div className="stat">
          <div className="value" data-testid="scan-status">{lastScan ? lastScan.status.toLowerCase() : "never"}</div>
          <div className="label">last scan{lastScan ? `, ${lastScan.finishedAt ? `finished ${formatTime(lastScan.finishedAt)}` : `queued ${formatTime(lastScan.queuedAt)}`}` : ""}</div>
          {lastScan?.error ? <div className="error">{lastScan.error}</div> : null}
        </div>
        <div className="stat">
          <div className="value" data-testid="evaluation-status">{lastEvaluation ? lastEvaluation.status.toLowerCase() : "never"}</div>
          <div className="label">
            last evaluation
            {lastEvaluation?.finishedAt ? `, ${formatTime(lastEvaluation.finishedAt)}: ${formatCount(lastEvaluation.changed)} verdicts changed` : ""}
          </div>
          {lastEvaluation?.error ? <div className="error">{lastEvaluation.error}</div> : null}
        </div>
      </section>

      <section aria-labelledby="awaiting">
        <h2 id="awaiting">Plans waiting for approval</h2>
        {awaiting.total === 0 ? (
          <p className="muted" data-testid="awaiting-none">
            No remediation plan is waiting for approval.
          </p>
        ) : (
          <>
            <ul className="plain" data-testid="awaiting-plans">
              {awaiting.plans.map((p) => (
                <li key={p.id}>
                  <Link href={`/remediation/${p.id}`}>{p.name}</Link>: {formatCount(p.itemCount)} item{p.itemCount === 1 ? "" : "s"}, by {p.createdBy}
                  {p.submittedAt ? `, submitted ${formatTime(p.submittedAt)}` : ""}
                </li>
              ))}
            </ul>
            {awaiting.total > awaiting.plans.length ? (
              <p>
                <Link href="/remediation?status=AWAITING_APPROVAL">All {formatCount(awaiting.total)} plans waiting</Link>
              </p>
            ) : null}
          </>
        )}
      </section>

      {status.servers === 0 ? (
        <p className="empty">No servers yet. A scan inventories the fleet: run <code>flexguard scan --wait</code>{roleCan(actor.role, "scan:run") ? " or press Scan now" : ""}.</p>
      ) : (
        <div className="grid-2">
          <section aria-labelledby="by-state">
            <h2 id="by-state">Servers by state</h2>
            <table aria-labelledby="by-state">
              <thead>
                <tr>
                  <th scope="col">State</th>
                  <th scope="col" className="num">Servers</th>
                </tr>
              </thead>
              <tbody>
                {states.map(([state, n]) => (
                  <tr key={state}>
                    <td>
                      <Link href={`/servers?state=${state}`} aria-label={`${stateLabel(state)}: show the servers`}>
                        <StateBadge state={state} />
                      </Link>
                    </td>
                    <td className="num" data-testid={`state-count-${state}`}>
                      {formatCount(n)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>

          <section aria-labelledby="recent">
            <h2 id="recent">Recently non-compliant</h2>
            {overview.recentlyNonCompliant.length === 0 ? (
              <p className="empty">No server has become non-compliant.</p>
            ) : (
              <table aria-labelledby="recent">
                <thead>
                  <tr>
                    <th scope="col">Server</th>
                    <th scope="col">Became</th>
                    <th scope="col">When</th>
                    <th scope="col">Now</th>
                  </tr>
                </thead>
                <tbody>
                  {overview.recentlyNonCompliant.map((r) => (
                    <tr key={r.serverId}>
                      <td>
                        <Link href={`/servers/${r.serverId}`}>{r.name}</Link>
                      </td>
                      <td>
                        <StateBadge state={r.toState} />
                      </td>
                      <td>{formatTime(r.at)}</td>
                      <td>
                        <StateBadge state={r.currentState} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </div>
      )}

      <section aria-labelledby="trend">
        <h2 id="trend">Trend, last 30 days</h2>
        <TrendChart data={trend} />
        {trend.length ? (
          <details>
            <summary>The trend as a table</summary>
            <table aria-label="Trend by day">
              <thead>
                <tr>
                  <th scope="col">Day</th>
                  <th scope="col" className="num">Compliant</th>
                  <th scope="col" className="num">Non-compliant</th>
                  <th scope="col" className="num">Other states</th>
                </tr>
              </thead>
              <tbody>
                {trend.map((t) => (
                  <tr key={t.day}>
                    <td>{t.day}</td>
                    <td className="num">{formatCount(t.compliant)}</td>
                    <td className="num">{formatCount(t.nonCompliant)}</td>
                    <td className="num">{formatCount(t.other)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        ) : null}
      </section>

      {status.servers > 0 ? (
        <div className="grid-3">
          <Breakdown id="by-subscription" title="By subscription" rows={overview.bySubscription} filter="subscription" />
          <Breakdown id="by-region" title="By region" rows={overview.byRegion} filter="region" />
          <Breakdown id="by-rule" title="By rule" rows={overview.byRule} filter="rule" />
        </div>
      ) : null}
    </>
  );
}

/** Servers, compliant and non-compliant per subscription, region or rule, each row linking to its servers. */
function Breakdown({ id, title, rows, filter }: { id: string; title: string; rows: StateBreakdownRow[]; filter: "subscription" | "region" | "rule" }) {
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      <table aria-labelledby={id}>
        <thead>
          <tr>
            <th scope="col">{filter === "rule" ? "Rule" : filter === "region" ? "Region" : "Subscription"}</th>
            <th scope="col" className="num">Servers</th>
            <th scope="col" className="num">Compliant</th>
            <th scope="col" className="num">Non-compliant</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key}>
              <td className="ellipsis">
                <Link href={`/servers?${new URLSearchParams({ [filter]: filter === "rule" && !r.key ? "none" : r.key }).toString()}`}>{r.label}</Link>
              </td>
              <td className="num">{formatCount(r.servers)}</td>
              <td className="num">{formatCount(r.compliant)}</td>
              <td className="num">{formatCount(r.nonCompliant)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
