// GET /admin/audit?action=&actor=&from=&to=&before=: the append-only audit log, filterable, with a CSV export of what is shown.
import { auditQuerySchema, listAudit } from "@/core/audit/list-audit";
import { roleCan } from "@/core/auth/permissions";
import { requirePageActor } from "../../_lib/actor";

export const dynamic = "force-dynamic";

const PAGE = 200;

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await requirePageActor();
  if (!roleCan(actor.role, "audit:read")) return <p role="alert" className="error">Your role ({actor.role.toLowerCase()}) does not allow reading the audit log.</p>;
  const raw = await searchParams;
  const text = (key: string) => (typeof raw[key] === "string" && raw[key] ? (raw[key] as string) : undefined);
  // Dates from the form are whole days in UTC: "to" includes its day.
  const filters = { action: text("action"), actor: text("actor"), from: text("from"), to: text("to") };
  const parsed = auditQuerySchema.safeParse({
    action: filters.action,
    actor: filters.actor,
    from: filters.from,
    to: filters.to ? `${filters.to}T23:59:59.999Z` : undefined,
    before: text("before"),
    limit: PAGE,
  });
  if (!parsed.success)
    return (
      <>
        <h1>Audit log</h1>
        <p role="alert" className="error-box">
          The filters are not valid: {parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}. <a href="/admin/audit">Clear the filters</a>
        </p>
      </>
    );
  const query = parsed.data;
  const events = await listAudit(actor, query);
  const shown = Object.fromEntries(Object.entries(filters).filter((e): e is [string, string] => !!e[1]));
  const csv = new URLSearchParams({ ...shown, ...(query.to ? { to: query.to.toISOString() } : {}), format: "csv" });
  const older = events.length === PAGE ? new URLSearchParams({ ...shown, before: events[events.length - 1]!.id }) : null;
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
        <label>
          From (UTC day)
          <input type="date" name="from" defaultValue={filters.from} />
        </label>
        <label>
          To (UTC day)
          <input type="date" name="to" defaultValue={filters.to} />
        </label>
        <button type="submit">Filter</button>
        <a href={`/api/audit?${csv.toString()}`}>Export CSV</a>
      </form>
      {events.length === 0 ? <p className="empty">No audit events match these filters.</p> : null}
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
      {older ? (
        <p className="pager">
          <a href={`/admin/audit?${older.toString()}`}>Older events</a>
        </p>
      ) : null}
    </>
  );
}
