// POST /api/webhooks/:webhookId/test: send a test notification now and answer what the endpoint said; admins only.
import { z } from "zod";
import { testWebhook } from "@/core/notifications/webhooks";
import { route } from "../../../_lib/route";

export const POST = route({ permission: "settings:write", params: z.strictObject({ webhookId: z.uuid() }) }, async ({ actor, params }) =>
  Response.json(await testWebhook(actor, params.webhookId)),
);
