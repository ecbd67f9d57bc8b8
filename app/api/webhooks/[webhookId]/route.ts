// GET/PATCH/DELETE /api/webhooks/:webhookId: read, change (rotateSecret answers the new secret once) or remove a
// webhook; admins only.
import { z } from "zod";
import { updateWebhookSchema } from "@/core/notifications/schemas";
import { deleteWebhook, getWebhook, updateWebhook } from "@/core/notifications/webhooks";
import { route } from "../../_lib/route";

const params = z.strictObject({ webhookId: z.uuid() });

export const GET = route({ permission: "settings:write", params }, async ({ actor, params }) => Response.json(await getWebhook(actor, params.webhookId)));

export const PATCH = route({ permission: "settings:write", params, body: updateWebhookSchema }, async ({ actor, params, body }) =>
  Response.json(await updateWebhook(actor, params.webhookId, body), { headers: { "cache-control": "no-store" } }),
);

export const DELETE = route({ permission: "settings:write", params }, async ({ actor, params }) => {
  await deleteWebhook(actor, params.webhookId);
  return new Response(null, { status: 204 });
});
