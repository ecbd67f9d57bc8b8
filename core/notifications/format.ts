// Renders a notification for its webhook's format: our JSON envelope, a Slack message (text + blocks), or a
// Microsoft Teams message carrying an Adaptive Card (what Teams' incoming-webhook workflows accept).
import type { NotificationEnvelope } from "./notify";
import type { DeliveredEvent } from "./events";

export const webhookFormats = ["json", "slack", "teams"] as const;
export type WebhookFormat = (typeof webhookFormats)[number];

interface Message {
  title: string;
  text: string;
  facts: [string, string][];
  /** Names listed under the text (servers, exemptions), already capped. */
  lines: string[];
  link: string;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function countsFacts(counts: Record<string, number>): [string, string][] {
  return Object.entries(counts)
    .filter(([, n]) => typeof n === "number")
    .map(([k, n]) => [k, String(n)]);
}

/** Title, sentence, facts and a link back to Flexguard for one event. */
export function describeEvent(event: DeliveredEvent, baseUrl: string): Message {
  const base = baseUrl.replace(/\/$/, "");
  switch (event.type) {
    case "plan.awaiting_approval":
      return {
        title: `Plan awaiting approval: ${event.planName}`,
        text: `${event.submittedBy} submitted remediation plan "${event.planName}" (${plural(event.itemCount, "item")}) for approval.`,
        facts: [["Items", String(event.itemCount)], ["Revision", String(event.revision)]],
        lines: [],
        link: `${base}/plans/${event.planId}`,
      };
    case "run.finished":
      return {
        title: `Remediation run ${event.status.toLowerCase()}: ${event.planName}`,
        text: `The run of plan "${event.planName}" finished: ${event.status}.`,
        facts: countsFacts(event.counts),
        lines: [],
        link: `${base}/plans/${event.planId}`,
      };
    case "run.paused":
      return {
        title: `Remediation run paused: ${event.planName}`,
        text: `The run of plan "${event.planName}" paused: ${event.reason}.`,
        facts: countsFacts(event.counts),
        lines: [],
        link: `${base}/plans/${event.planId}`,
      };
    case "servers.drifted":
      return {
        title: `${plural(event.count, "server")} drifted out of compliance`,
        text: `${plural(event.count, "server")} moved from compliant to not compliant in the latest evaluation.`,
        facts: [["Servers", String(event.count)]],
        lines: event.servers.map((s) => `${s.name} (${s.fromState} → ${s.toState})`),
        link: `${base}/servers?state=${encodeURIComponent("non_compliant")}`,
      };
    case "webhook.test":
      return {
        title: "Flexguard test notification",
        text: `${event.requestedBy} sent a test notification to webhook "${event.webhookName}". It works.`,
        facts: [],
        lines: [],
        link: `${base}/admin/webhooks`,
      };
    case "exemptions.expiring":
      return {
        title: `${plural(event.count, "exemption")} expiring soon`,
        text: `${plural(event.count, "exemption")} will expire within ${event.within}; renew them or fix the servers.`,
        facts: [["Exemptions", String(event.count)]],
        lines: event.exemptions.map((e) => `${e.target}: expires ${e.expiresAt.slice(0, 10)} (${e.reason})`),
        link: `${base}/rules`,
      };
  }
}

// Slack's mrkdwn treats &, < and > as control characters.
const slackEscape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The request body for a webhook of this format. */
export function renderWebhookBody(format: WebhookFormat, envelope: NotificationEnvelope, baseUrl: string): string {
  if (format === "json") return JSON.stringify(envelope);
  const m = describeEvent(envelope.data, baseUrl);
  const listed = m.lines.slice(0, 20);
  const more = m.lines.length > listed.length ? [`… and ${m.lines.length - listed.length} more`] : [];
  if (format === "slack") {
    const blocks: unknown[] = [
      { type: "header", text: { type: "plain_text", text: m.title.slice(0, 150) } },
      { type: "section", text: { type: "mrkdwn", text: slackEscape(m.text) } },
    ];
    if (m.facts.length) blocks.push({ type: "section", fields: m.facts.slice(0, 10).map(([k, v]) => ({ type: "mrkdwn", text: `*${slackEscape(k)}*\n${slackEscape(v)}` })) });
    if (listed.length) blocks.push({ type: "section", text: { type: "mrkdwn", text: [...listed, ...more].map((l) => `• ${slackEscape(l)}`).join("\n").slice(0, 3000) } });
    blocks.push({ type: "actions", elements: [{ type: "button", text: { type: "plain_text", text: "Open in Flexguard" }, url: m.link }] });
    return JSON.stringify({ text: slackEscape(`${m.title}: ${m.text}`), blocks });
  }
  const card = {
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    type: "AdaptiveCard",
    version: "1.4",
    body: [
      { type: "TextBlock", text: m.title, weight: "Bolder", size: "Medium", wrap: true },
      { type: "TextBlock", text: m.text, wrap: true },
      ...(m.facts.length ? [{ type: "FactSet", facts: m.facts.map(([title, value]) => ({ title, value })) }] : []),
      ...(listed.length ? [{ type: "TextBlock", text: [...listed, ...more].map((l) => `- ${l}`).join("\n"), wrap: true }] : []),
    ],
    actions: [{ type: "Action.OpenUrl", title: "Open in Flexguard", url: m.link }],
  };
  return JSON.stringify({ type: "message", summary: m.title, attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null, content: card }] });
}
