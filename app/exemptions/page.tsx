// GET /exemptions?status=active|expiring|expired|revoked: exemptions the viewer sees, by status with counts; for
// operators and admins a form to grant one (?serverId= fills in a server) and a revoke button.
import Link from "next/link";
import { roleCan } from "@/core/auth/permissions";
import { getServerDetail } from "@/core/dashboard/get-server-detail";
import type { ExemptionView } from "@/core/exemptions/exemption-store";
import { EXEMPTION_LIST_STATUSES, listExemptions } from "@/core/exemptions/list-exemptions";
import { listRules } from "@/core/rules/list-rules";
import { env } from "@/core/config/env";
import { requirePageActor } from "../_lib/actor";
import { formatCount, formatTime } from "../_components/format";
import { CreateExemptionForm, RevokeButton } from "./exemption-forms";

export const dynamic = "force-dynamic";

const TABS = [
  { status: "active", label: "Active" },
  { status: "expiring", label: "Expiring within 30 days" },
  { status: "expired", label: "Expired" },
  { status: "revoked", label: "Revoked" },
] as const;

type ListStatus = (typeof EXEMPTION_LIST_STATUSES)[number];

function describeTarget(target: ExemptionView["target"]): string {
  switch (target.kind) {
    case "server": {
      const parts = target.serverArmId.split("/");
      return `server ${parts[parts.length - 1]} (resource group ${parts[4]}, subscription ${parts[2]})`;
    }
    case "subscription":
      return `subscription ${target.subscriptionId}`;
    case "resourceGroup":
      return `resource group ${target.resourceGroup} in ${target.subscriptionId}`;
    case "tag":
      return target.value === undefined ? `servers tagged ${target.key}` : `servers tagged ${target.key}=${target.value}`;
  }
}

export default async function ExemptionsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await requirePageActor();
  const raw = await searchParams;
  const status: ListStatus = EXEMPTION_LIST_STATUSES.includes(raw.status as ListStatus) ? (raw.status as ListStatus) : "active";
  const canWrite = roleCan(actor.role, "exemptions:write");
  const serverId = typeof raw.serverId === "string" ? raw.serverId : undefined;
  const [list, rules, server] = await Promise.all([
    listExemptions(actor, { status }),
    listRules(actor),
    canWrite && serverId ? getServerDetail(actor, serverId, { timelineLimit: 1 }).catch(() => null) : null,
  ]);
  const ruleNames = new Map(rules.map((r) => [r.id, r.rule.name]));
  const counts: Record<string, number> = list.counts;

  return (
    <>
      <h1>Exemptions</h1>
      <nav aria-label="Exemption status" className="tabs">
        {TABS.map((t) => (
          <Link key={t.status} href={`/exemptions?status=${t.status}`} aria-current={t.status === status ? "page" : undefined}>
            {t.label} ({formatCount(counts[t.status] ?? 0)})
          </Link>
        ))}
      </nav>
      {list.items.length === 0 ? (
        <p className="empty">No {TABS.find((t) => t.status === status)?.label.toLowerCase() ?? status} exemptions.</p>
      ) : (
        <table aria-label="Exemptions">
          <thead>
            <tr>
              <th scope="col">Target</th>
              <th scope="col">Rule</th>
              <th scope="col">Category</th>
              <th scope="col">Justification</th>
              <th scope="col">Expires</th>
              <th scope="col">Requested / granted</th>
              <th scope="col">Status</th>
              {canWrite ? <th scope="col">Action</th> : null}
            </tr>
          </thead>
          <tbody>
            {list.items.map((e) => (
              <tr key={e.id} data-testid="exemption-row">
                <td className="break">{describeTarget(e.target)}</td>
                <td>{e.ruleId === null ? "every rule" : (ruleNames.get(e.ruleId) ?? `rule ${e.ruleId.slice(0, 8)}`)}</td>
                <td>{e.category}</td>
                <td className="tags">{e.justification}</td>
                <td>{formatTime(e.expiresAt)}</td>
                <td>
                  {e.requestedBy} / {e.grantedBy}
                </td>
                <td>
                  <span className={`badge badge-${e.status === "active" ? "good" : "neutral"}`}>{e.status}</span>
                  {e.revokedAt ? <div className="muted tags">{formatTime(e.revokedAt)}</div> : null}
                </td>
                {canWrite ? <td>{e.status === "active" ? <RevokeButton id={e.id} what={describeTarget(e.target)} /> : null}</td> : null}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canWrite ? (
        <CreateExemptionForm
          rules={rules.map((r) => ({ id: r.id, name: r.rule.name }))}
          maxValidity={env().EXEMPTION_MAX_VALIDITY}
          server={server ? { armId: server.server.armId, name: server.server.name } : null}
        />
      ) : null}
    </>
  );
}
