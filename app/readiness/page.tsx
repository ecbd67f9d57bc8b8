// GET /readiness: the permission picture: servers whose Backup vault identity lacks roles it needs, grouped by
// subscription and resource group, with which roles, whether Flexguard can assign them or an owner must run a
// template, and a template pack per group.
import Link from "next/link";
import { roleCan } from "@/core/auth/permissions";
import { getReadiness, resourceGroupPackUrl } from "@/core/dashboard/get-readiness";
import { requirePageActor } from "../_lib/actor";
import { formatCount } from "../_components/format";
import { StateBadge } from "../_components/state-badge";

export const dynamic = "force-dynamic";

const SAMPLE = 25;

export default async function ReadinessPage() {
  const actor = await requirePageActor();
  const { groups, totals } = await getReadiness(actor, { serverLimit: SAMPLE });
  const canDownload = roleCan(actor.role, "templates:download");

  return (
    <>
      <h1>Readiness: vault identity roles</h1>
      <p className="muted">
        A Backup vault&apos;s managed identity needs roles on each server it protects. Flexguard assigns them itself when the rule allows it and its own
        principal may write role assignments there; otherwise an owner of the resource group runs a template.
      </p>
      <section className="stats" aria-label="Readiness summary">
        <div className="stat">
          <div className="value" data-testid="readiness-servers">{formatCount(totals.servers)}</div>
          <div className="label">servers missing roles</div>
        </div>
        <div className="stat">
          <div className="value" data-testid="readiness-by-flexguard">{formatCount(totals.byFlexguard)}</div>
          <div className="label">Flexguard can assign</div>
        </div>
        <div className="stat">
          <div className="value" data-testid="readiness-by-template">{formatCount(totals.byTemplate)}</div>
          <div className="label">need a template run by an owner</div>
        </div>
        <div className="stat">
          <div className="value">{formatCount(totals.groups)}</div>
          <div className="label">resource groups</div>
        </div>
      </section>

      {groups.length === 0 ? (
        <p className="empty">No server&apos;s vault identity is missing a role (as of the last evaluation).</p>
      ) : (
        <table aria-label="Missing roles by subscription and resource group" className="readiness">
          <thead>
            <tr>
              <th scope="col">Subscription / resource group</th>
              <th scope="col" className="num">Servers</th>
              <th scope="col" className="num">Flexguard assigns</th>
              <th scope="col" className="num">Template</th>
              <th scope="col">Missing roles</th>
              <th scope="col">Servers</th>
              {canDownload ? <th scope="col">Pack</th> : null}
            </tr>
          </thead>
          <tbody>
            {groups.map((g) => (
              <tr key={`${g.subscriptionId}/${g.resourceGroup}`} data-testid="readiness-group">
                <td>
                  <div className="mono">{g.subscriptionId}</div>
                  <div>
                    <Link href={`/servers?${new URLSearchParams({ subscription: g.subscriptionId, resourceGroup: g.resourceGroup }).toString()}`}>{g.resourceGroup}</Link>
                  </div>
                </td>
                <td className="num">{formatCount(g.servers)}</td>
                <td className="num">{formatCount(g.byFlexguard)}</td>
                <td className="num">
                  {formatCount(g.byTemplate)}
                  {g.flexguardCannotAssign ? <div className="muted tags">{formatCount(g.flexguardCannotAssign)} where Flexguard cannot assign</div> : null}
                </td>
                <td>
                  <ul className="plain">
                    {g.roles.map((r) => (
                      <li key={r.roleName}>
                        {r.roleName}: {formatCount(r.servers)}
                        <span className="muted">
                          {" "}
                          ({formatCount(r.flexguardCanAssign)} assignable by Flexguard{r.noIdentity ? `, ${formatCount(r.noIdentity)} vault without identity` : ""})
                        </span>
                      </li>
                    ))}
                  </ul>
                </td>
                <td>
                  <details>
                    <summary>
                      {g.servers > g.sample.length ? `First ${g.sample.length} of ${formatCount(g.servers)}` : `${formatCount(g.servers)} server${g.servers === 1 ? "" : "s"}`}
                    </summary>
                    <ul className="plain">
                      {g.sample.map((s) => (
                        <li key={s.serverId}>
                          <Link href={`/servers/${s.serverId}`}>{s.name}</Link> <StateBadge state={s.state} />{" "}
                          <span className="muted">
                            {s.roles.join(", ")}: {s.roleAssignmentBy === "flexguard" ? "Flexguard assigns" : "template for an owner"}
                            {s.needsRolesFlexguardCannotAssign ? " (Flexguard cannot assign here)" : ""}
                          </span>
                        </li>
                      ))}
                    </ul>
                  </details>
                </td>
                {canDownload ? (
                  <td>
                    <a href={resourceGroupPackUrl(g.subscriptionId, g.resourceGroup)} download aria-label={`Download the template pack for ${g.resourceGroup}`}>
                      Download pack
                    </a>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
