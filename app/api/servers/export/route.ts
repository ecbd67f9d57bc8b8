// GET /api/servers/export?<the filters and sort of GET /api/servers>: every matching server in the caller's
// subscriptions as CSV, streamed (page and pageSize are ignored: the export is the whole filtered fleet).
import { exportServersCsv } from "@/core/dashboard/export-servers-csv";
import { serverQuerySchema } from "@/core/dashboard/server-query";
import { route } from "../../_lib/route";

export const GET = route({ permission: "fleet:read", query: serverQuerySchema }, async ({ actor, query }) => {
  const day = new Date().toISOString().slice(0, 10);
  return new Response(exportServersCsv(actor, query), {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="flexguard-servers-${day}.csv"`,
      "cache-control": "no-store",
    },
  });
});
