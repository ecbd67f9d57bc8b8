// GET /api/servers/:serverId/template?backupRoleScope=server|resourceGroup: the server's role-assignment ARM template
// as a download (a template granting nothing when its vault identity lacks nothing). Anyone who may see the server
// may download it; 404 when it does not exist or lies outside the caller's subscriptions, 409 with the reason when
// there is no vault identity to grant roles to.
import { z } from "zod";
import { contentDisposition } from "@/core/templates/safe-file-name";
import { serverTemplateQuerySchema } from "@/core/templates/schemas";
import { serverTemplateDownload } from "@/core/templates/template-downloads";
import { route } from "../../../_lib/route";

const params = z.strictObject({ serverId: z.uuid({ error: "must be a server id" }) });

export const GET = route({ permission: "templates:download", params, query: serverTemplateQuerySchema }, async ({ actor, params, query }) => {
  const template = await serverTemplateDownload(actor, params.serverId, query);
  return new Response(template.json, {
    headers: {
      "content-type": "application/json; charset=utf-8",
      "content-disposition": contentDisposition(template.fileName),
      "x-flexguard-role-assignments": String(template.roleAssignmentCount),
      "cache-control": "no-store",
    },
  });
});
