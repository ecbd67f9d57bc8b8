// The notifications Flexguard sends to webhooks: one discriminated union, shared by the callers of notify()
// and the formatters (JSON, Slack, Teams).
import { createHash, randomUUID } from "node:crypto";
import { z } from "zod";

export const notificationTypes = ["plan.awaiting_approval", "run.finished", "run.paused", "servers.drifted", "exemptions.expiring"] as const;
export type NotificationType = (typeof notificationTypes)[number];
export const notificationTypeSchema = z.enum(notificationTypes);

/** Most servers or exemptions listed by name in one notification; counts always give the full number. */
export const MAX_LISTED = 50;

export type NotificationEvent =
  | {
      type: "plan.awaiting_approval";
      planId: string;
      planName: string;
      /** Bumped on every edit: a resubmitted plan is announced again. */
      revision: number;
      itemCount: number;
      submittedBy: string;
    }
  | {
      type: "run.finished";
      planId: string;
      planName: string;
      /** The plan's final status. */
      status: "SUCCEEDED" | "FAILED" | "CANCELLED";
      /** Items per outcome (succeeded, failed, noChange, needsAction, ...). */
      counts: Record<string, number>;
    }
  | {
      type: "run.paused";
      planId: string;
      planName: string;
      /** e.g. "failure threshold reached: 5 of 40 items failed". */
      reason: string;
      pausedAt: string;
      counts: Record<string, number>;
    }
  | {
      type: "servers.drifted";
      evaluationRunId: string;
      /** Servers that moved from compliant to not compliant in this evaluation. */
      count: number;
      /** Up to MAX_LISTED of them. */
      servers: { id: string; name: string; subscriptionId: string; fromState: string; toState: string }[];
    }
  | {
      type: "exemptions.expiring";
      /** The look-ahead window, as an ISO 8601 duration. */
      within: string;
      count: number;
      exemptions: { id: string; target: string; reason: string; expiresAt: string }[];
    };

/** Sent only by an admin's "send test" to one webhook; not an event anyone subscribes to, so notify() never takes it. */
export interface WebhookTestEvent {
  type: "webhook.test";
  webhookName: string;
  requestedBy: string;
}

/** Whatever a delivery can carry. */
export type DeliveredEvent = NotificationEvent | WebhookTestEvent;

/** What makes two events the same notification: the same key is delivered to a webhook once. */
export function dedupeKey(event: DeliveredEvent): string {
  switch (event.type) {
    case "plan.awaiting_approval":
      return `${event.type}:${event.planId}:${event.revision}`;
    case "run.finished":
      return `${event.type}:${event.planId}`;
    case "run.paused":
      return `${event.type}:${event.planId}:${event.pausedAt}`;
    case "servers.drifted":
      return `${event.type}:${event.evaluationRunId}`;
    case "webhook.test":
      return `${event.type}:${randomUUID()}`;
    case "exemptions.expiring":
      // The same set of expiring exemptions is announced once, however often the schedule looks.
      // Hashed: the unique index on (webhook, key) cannot hold a long list.
      return `${event.type}:${createHash("sha256").update(event.exemptions.map((e) => `${e.id}@${e.expiresAt}`).sort().join(",")).digest("hex")}`;
  }
}
