// GET /admin/audit?action=&actor=: the append-only audit log, filterable, with a CSV export of what is shown.
import { auditQuerySchema, listAudit } from "@/core/audit/list-audit";
import { roleCan } from "@/core/auth/permissions";
import { requirePageActor } from "../../_lib/actor";

export const dynamic = "force-dynamic";

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await requirePageActor();
  if (!roleCan(actor.role, "audit:read")) return <p role="alert" className="error">Your role ({actor.role.toLowerCase()}) does not allow reading the audit log.</p>;
  const raw = await searchParams;
  const filters = { action: typeof raw.action === "string" ? raw.action : undefined, actor: typeof raw.actor === "string" ? raw.actor : undefined };
  const query = auditQuerySchema.parse({ ...filters, limit: 200 });
  const events = await listAudit(actor, query);
  const csv = new URLSearchParams({ ...Object.fromEntries(Object.entries(filters).filter(([, v]) => v)), format: "csv" });
  return (
    <>
      <h1>Audit log</h1>
      <form className="toolbar" method="get" aria-label="Filter audit log">
        <label>
          Action starts with
          <input name="action" defaultValue={filters.action} />
        </label>
        <label>
          Actor contains
          <input name="actor" defaultValue={filters.actor} />
        </label>
        <button type="submit">Filter</button>
        <a href={`/api/audit?${csv.toString()}`}>Export CSV</a>
      </form>
      <table aria-label="Audit events">
        <thead>
          <tr>
            <th scope="col">When (UTC)</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">From</th>
            <th scope="col">Change</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.id}>
              <td>{e.at.toISOString().slice(0, 19).replace("T", " ")}</td>
              <td>{e.actorLabel}</td>
              <td>{e.action}</td>
              <td>{[e.targetType, e.targetId].filter(Boolean).join(" ")}</td>
              <td>{e.sourceIp ?? ""}</td>
              <td className="tags">{[e.before ? `before ${JSON.stringify(e.before)}` : "", e.after ? `after ${JSON.stringify(e.after)}` : "", e.details ? JSON.stringify(e.details) : ""].filter(Boolean).join(" · ")}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
