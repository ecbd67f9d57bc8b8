// The query strings of the template downloads (API, dashboard links and CLI build the same URLs).
import { z } from "zod";
import { serverQuerySchema } from "../dashboard/server-query";

export const TEMPLATE_PACK_FORMATS = ["zip", "resource-group", "subscription"] as const;
export type TemplatePackFormat = (typeof TEMPLATE_PACK_FORMATS)[number];

/** Most servers one ids= list may name (a longer selection is a filter). */
export const MAX_SELECTED_IDS = 1000;

const backupRoleScope = z.enum(["server", "resourceGroup"], { error: "must be 'server' or 'resourceGroup'" }).default("server");

/** GET /api/servers/:serverId/template?backupRoleScope= */
export const serverTemplateQuerySchema = z.strictObject({ backupRoleScope });

/**
 * GET /api/templates/pack: the servers list's filters (q, state, rule, subscription, resourceGroup, region, tag,
 * version) and/or ids=<comma-separated server ids>, the format, and where the backup role is granted.
 */
export const templatePackQuerySchema = serverQuerySchema
  .omit({ sort: true, dir: true, page: true, pageSize: true })
  .extend({
    ids: z
      .string()
      .trim()
      .optional()
      .transform((v) => (v ? [...new Set(v.split(",").map((id) => id.trim().toLowerCase()).filter(Boolean))] : undefined))
      .pipe(z.array(z.uuid({ error: "each id must be a server id" })).max(MAX_SELECTED_IDS, { error: `at most ${MAX_SELECTED_IDS} ids; select more with a filter` }).optional()),
    format: z.enum(TEMPLATE_PACK_FORMATS, { error: `must be one of ${TEMPLATE_PACK_FORMATS.join(", ")}` }).default("zip"),
    backupRoleScope,
  });
export type TemplatePackQuery = z.infer<typeof templatePackQuerySchema>;
