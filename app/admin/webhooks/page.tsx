// GET /admin/webhooks: admins add, test, enable or remove notification webhooks and see their recent deliveries.
import { roleCan } from "@/core/auth/permissions";
import { notificationTypes } from "@/core/notifications/events";
import { listWebhookDeliveries, listWebhooks } from "@/core/notifications/webhooks";
import { requirePageActor } from "../../_lib/actor";
import { WebhooksPanel } from "./webhooks-panel";

export const dynamic = "force-dynamic";

export default async function WebhooksPage() {
  const actor = await requirePageActor();
  if (!roleCan(actor.role, "settings:write")) return <p role="alert" className="error">Your role ({actor.role.toLowerCase()}) does not allow managing webhooks.</p>;
  const hooks = await listWebhooks(actor);
  const deliveries = await Promise.all(hooks.map((h) => listWebhookDeliveries(actor, h.id, { limit: 10 })));
  return (
    <>
      <h1>Webhooks</h1>
      <p>
        Flexguard posts notifications to these URLs, signed with the webhook&apos;s secret in <code>X-Flexguard-Signature</code> (<code>t=&lt;unix time&gt;,v1=&lt;HMAC-SHA256 of &quot;t.body&quot;&gt;</code>).
        Failed deliveries are retried with growing delays.
      </p>
      <WebhooksPanel
        events={[...notificationTypes]}
        hooks={hooks.map((h, i) => ({
          id: h.id,
          name: h.name,
          urlPreview: h.urlPreview,
          format: h.format,
          events: h.events,
          enabled: h.enabled,
          deliveries: deliveries[i]!.map((d) => ({ id: d.id, event: d.event, status: d.status, attempts: d.attempts, lastStatusCode: d.lastStatusCode, lastError: d.lastError, createdAt: d.createdAt.toISOString() })),
        }))}
      />
    </>
  );
}
