// GET /api/webhooks: every webhook (admins), never the secrets. POST /api/webhooks: add one; its signing secret is in
// this response only.
import { createWebhookSchema } from "@/core/notifications/schemas";
import { createWebhook, listWebhooks } from "@/core/notifications/webhooks";
import { route } from "../_lib/route";

export const GET = route({ permission: "settings:write" }, async ({ actor }) => Response.json({ webhooks: await listWebhooks(actor) }));

export const POST = route({ permission: "settings:write", body: createWebhookSchema }, async ({ actor, body }) =>
  Response.json(await createWebhook(actor, body), { status: 201, headers: { "cache-control": "no-store" } }),
);
