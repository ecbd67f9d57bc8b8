// GET /api/audit?action=&actor=&from=&to=&before=&limit=&format=json|csv: the audit log, for admins. CSV streams
// every matching event.
import { auditQuerySchema, exportAuditCsv, listAudit } from "@/core/audit/list-audit";
import { route } from "../_lib/route";

export const GET = route({ permission: "audit:read", query: auditQuerySchema }, async ({ actor, query }) => {
  if (query.format === "csv")
    return new Response(exportAuditCsv(actor, query), {
      headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": 'attachment; filename="flexguard-audit.csv"', "cache-control": "no-store" },
    });
  return Response.json({ events: await listAudit(actor, query) });
});
