// GET /rules: the protection rules in precedence order, each with how many of the viewer's servers it governs and
// their states (linking to those servers); export, and for rule writers a new rule and an import.
import Link from "next/link";
import { roleCan } from "@/core/auth/permissions";
import { listRules } from "@/core/rules/list-rules";
import { requirePageActor } from "../_lib/actor";
import { formatCount, formatTime, stateLabel } from "../_components/format";
import { StateBadge } from "../_components/state-badge";
import { ImportPanel } from "./_components/import-panel";

export const dynamic = "force-dynamic";

export default async function RulesPage() {
  const actor = await requirePageActor();
  const rules = await listRules(actor);
  const canWrite = roleCan(actor.role, "rules:write");

  return (
    <>
      <h1>Protection rules</h1>
      <div className="toolbar">
        {canWrite ? <Link href="/rules/new">New rule</Link> : null}
        <a href="/api/rules/export?format=yaml" download>
          Export YAML
        </a>
        <a href="/api/rules/export?format=json" download>
          Export JSON
        </a>
        <Link href="/exemptions">Exemptions</Link>
      </div>
      {rules.length === 0 ? (
        <p className="empty">No rules yet: every server is out of scope until a rule governs it.{canWrite ? " Create one, or import a rule set." : ""}</p>
      ) : (
        <table aria-label="Rules">
          <thead>
            <tr>
              <th scope="col" className="num">Order</th>
              <th scope="col">Rule</th>
              <th scope="col">Mode</th>
              <th scope="col" className="num">Governs</th>
              <th scope="col">States</th>
              <th scope="col">Revision</th>
            </tr>
          </thead>
          <tbody>
            {rules.map((r) => (
              <tr key={r.id} data-testid="rule-row">
                <td className="num">{r.rule.order}</td>
                <td>
                  <Link href={`/rules/${r.id}`}>{r.rule.name}</Link>
                  {r.rule.enabled ? null : <span className="badge badge-neutral">disabled</span>}
                  {r.rule.description ? <div className="muted tags">{r.rule.description}</div> : null}
                </td>
                <td>{r.rule.mode}</td>
                <td className="num" data-testid="rule-server-count">
                  <Link href={`/servers?rule=${r.id}`} aria-label={`${formatCount(r.serverCount)} servers governed by ${r.rule.name}`}>
                    {formatCount(r.serverCount)}
                  </Link>
                </td>
                <td>
                  <ul className="plain inline">
                    {Object.entries(r.servers)
                      .sort((a, b) => b[1] - a[1])
                      .map(([state, n]) => (
                        <li key={state}>
                          <Link href={`/servers?${new URLSearchParams({ rule: r.id, state }).toString()}`} aria-label={`${stateLabel(state)}: ${formatCount(n)} under ${r.rule.name}`}>
                            <StateBadge state={state} /> {formatCount(n)}
                          </Link>
                        </li>
                      ))}
                  </ul>
                </td>
                <td>
                  {r.revision}, {formatTime(r.updatedAt)} by {r.updatedBy}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canWrite ? <ImportPanel /> : null}
    </>
  );
}
