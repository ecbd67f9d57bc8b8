// GET /api/templates/pack?format=zip|resource-group|subscription&backupRoleScope=server|resourceGroup&<the filters of
// GET /api/servers>&ids=<comma-separated server ids>: role-assignment templates for every selected server in the
// caller's subscriptions that lacks roles. The zip streams as the servers are read; the resource-group and
// subscription templates need a selection within one resource group or subscription.
import { Readable } from "node:stream";
import { contentDisposition } from "@/core/templates/safe-file-name";
import { templatePackQuerySchema } from "@/core/templates/schemas";
import { templatePackDownload } from "@/core/templates/template-downloads";
import { route } from "../../_lib/route";

export const GET = route({ permission: "templates:download", query: templatePackQuerySchema }, async ({ actor, query }) => {
  const { ids, format, backupRoleScope, ...filters } = query;
  const pack = await templatePackDownload(actor, { selection: { filters, ids }, format, backupRoleScope });
  const body = typeof pack.body === "string" ? pack.body : (Readable.toWeb(pack.body) as ReadableStream<Uint8Array>);
  return new Response(body, {
    headers: {
      "content-type": pack.contentType,
      "content-disposition": contentDisposition(pack.fileName),
      "cache-control": "no-store",
    },
  });
});
