// GET /api/webhooks/:webhookId/deliveries?status=&limit=: recent deliveries with every attempt; admins only.
import { z } from "zod";
import { listDeliveriesSchema } from "@/core/notifications/schemas";
import { listWebhookDeliveries } from "@/core/notifications/webhooks";
import { route } from "../../../_lib/route";

export const GET = route({ permission: "settings:write", params: z.strictObject({ webhookId: z.uuid() }), query: listDeliveriesSchema }, async ({ actor, params, query }) =>
  Response.json({ deliveries: await listWebhookDeliveries(actor, params.webhookId, query) }),
);
