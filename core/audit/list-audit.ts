import { z } from "zod";
import { authorize, type Actor } from "../auth/actor";
import { db, type Prisma } from "../db/client";

export const auditQuerySchema = z.strictObject({
  action: z.string().max(100).optional(),
  actor: z.string().max(254).optional(),
  from: z.coerce.date({ error: "must be a date (ISO 8601)" }).optional(),
  to: z.coerce.date({ error: "must be a date (ISO 8601)" }).optional(),
  before: z.coerce.bigint({ error: "must be an event id" }).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  format: z.enum(["json", "csv"]).default("json"),
});
export type AuditQuery = z.infer<typeof auditQuerySchema>;

function where(q: AuditQuery): Prisma.AuditEventWhereInput {
  return {
    ...(q.action ? { action: { startsWith: q.action } } : {}),
    ...(q.actor ? { actorLabel: { contains: q.actor, mode: "insensitive" as const } } : {}),
    ...(q.from || q.to ? { at: { ...(q.from ? { gte: q.from } : {}), ...(q.to ? { lte: q.to } : {}) } } : {}),
    ...(q.before ? { id: { lt: q.before } } : {}),
  };
}

const serialise = <T extends { id: bigint }>(e: T) => ({ ...e, id: e.id.toString() });

/** Audit events, newest first, for admins; page with `before` (the last id seen). */
export async function listAudit(actor: Actor, q: AuditQuery) {
  authorize(actor, "audit:read");
  const events = await db().auditEvent.findMany({ where: where(q), orderBy: { id: "desc" }, take: q.limit });
  return events.map(serialise);
}

const CSV_COLUMNS = ["id", "at", "actorLabel", "action", "targetType", "targetId", "sourceIp", "before", "after", "details"] as const;

/** One CSV field: quoted, quotes doubled, and a leading = + - @ neutralised so spreadsheets never run it as a formula. */
export function csvField(value: unknown): string {
  let text = value === null || value === undefined ? "" : value instanceof Date ? value.toISOString() : typeof value === "object" ? JSON.stringify(value) : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

/** Every matching event as CSV, streamed in pages so that a long history never sits in memory. */
export function exportAuditCsv(actor: Actor, q: AuditQuery): ReadableStream<Uint8Array> {
  authorize(actor, "audit:read");
  const encoder = new TextEncoder();
  let cursor: bigint | undefined = q.before;
  let headerSent = false;
  return new ReadableStream({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode(`${CSV_COLUMNS.join(",")}\n`));
      }
      const page = await db().auditEvent.findMany({ where: where({ ...q, before: cursor }), orderBy: { id: "desc" }, take: 1000 });
      if (page.length === 0) return controller.close();
      cursor = page[page.length - 1]!.id;
      controller.enqueue(encoder.encode(page.map((e) => CSV_COLUMNS.map((c) => csvField(c === "id" ? e.id.toString() : e[c])).join(",")).join("\n") + "\n"));
    },
  });
}
