import { z } from "zod";
import { notificationTypes } from "./events";
import { webhookFormats } from "./format";

const webhookUrlSchema = z
  .string({ error: "url must be text" })
  .trim()
  .max(2048, { error: "url may be at most 2048 characters" })
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === "https:" || u.protocol === "http:") && u.hostname !== "";
    } catch {
      return false;
    }
  }, { error: "url must be an http:// or https:// URL" });

const fields = {
  name: z.string({ error: "name must be text" }).trim().min(1, { error: "name is required" }).max(100, { error: "name may be at most 100 characters" }),
  url: webhookUrlSchema,
  format: z.enum(webhookFormats, { error: `format must be one of ${webhookFormats.join(", ")}` }),
  /** Events this webhook receives; empty means all of them. */
  events: z.array(z.enum(notificationTypes, { error: `each event must be one of ${notificationTypes.join(", ")}` })).max(notificationTypes.length),
  enabled: z.boolean({ error: "enabled must be true or false" }),
};

export const createWebhookSchema = z.strictObject({
  ...fields,
  format: fields.format.default("json"),
  events: fields.events.default([]),
  enabled: fields.enabled.default(true),
});
export type CreateWebhookInput = z.input<typeof createWebhookSchema>;

// No defaults here: a field left out of a change stays as it is.
export const updateWebhookSchema = z.strictObject({
  name: fields.name.optional(),
  url: fields.url.optional(),
  format: fields.format.optional(),
  events: fields.events.optional(),
  enabled: fields.enabled.optional(),
  /** Makes a new signing secret, answered once. */
  rotateSecret: z.boolean({ error: "rotateSecret must be true or false" }).optional(),
});
export type UpdateWebhookInput = z.input<typeof updateWebhookSchema>;

export const listDeliveriesSchema = z.strictObject({
  status: z.enum(["pending", "delivered", "failed"], { error: "status must be pending, delivered or failed" }).optional(),
  limit: z.coerce.number({ error: "limit must be a number" }).int().min(1, { error: "limit must be at least 1" }).max(200, { error: "limit may be at most 200" }).default(50),
});
