import type { Actor } from "../auth/actor";
import { db, type Db, type Prisma } from "../db/client";

export interface AuditInput {
  action: string;
  targetType?: string;
  targetId?: string;
  before?: unknown;
  after?: unknown;
  details?: Record<string, unknown>;
}

const json = (value: unknown) => (value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue));

/** Appends one event to the audit log, inside the caller's transaction when given one, so a change and its record commit together. */
export async function recordAudit(actor: Pick<Actor, "userId" | "label" | "sourceIp">, input: AuditInput, tx: Db = db()): Promise<void> {
  await tx.auditEvent.create({
    data: {
      actorId: actor.userId,
      actorLabel: actor.label,
      sourceIp: actor.sourceIp,
      action: input.action,
      targetType: input.targetType,
      targetId: input.targetId,
      before: json(input.before),
      after: json(input.after),
      details: json(input.details),
    },
  });
}
