// What a webhook receiver checks: the HMAC over timestamp and body, and that the timestamp is recent.
import { describe, expect, it } from "vitest";
import { signWebhook, verifyWebhookSignature } from "@/core/notifications/sign";
import { renderWebhookBody } from "@/core/notifications/format";

describe("webhook signature", () => {
  const body = JSON.stringify({ event: "run.finished" });
  const now = Date.UTC(2026, 10, 25, 2, 0, 0);
  const t = Math.floor(now / 1000);

  it("verifies with the secret, the body and a recent timestamp only", () => {
    const header = signWebhook("s3cret", body, t);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature("s3cret", body, header, { now })).toBe(true);
    expect(verifyWebhookSignature("other", body, header, { now })).toBe(false);
    expect(verifyWebhookSignature("s3cret", `${body} `, header, { now })).toBe(false);
    // Replayed ten minutes later: refused.
    expect(verifyWebhookSignature("s3cret", body, header, { now: now + 600_000 })).toBe(false);
    // The timestamp is signed: moving it forward breaks the signature.
    expect(verifyWebhookSignature("s3cret", body, header.replace(`t=${t}`, `t=${t + 600}`), { now: now + 600_000 })).toBe(false);
    expect(verifyWebhookSignature("s3cret", body, "garbage", { now })).toBe(false);
  });

  it("renders Slack text that cannot inject mentions or links from server names", () => {
    const envelope = {
      id: "e",
      event: "servers.drifted" as const,
      occurredAt: new Date(now).toISOString(),
      data: { type: "servers.drifted" as const, evaluationRunId: "r", count: 1, servers: [{ id: "a", name: "<!channel> <https://evil|x>", subscriptionId: "s", fromState: "compliant", toState: "unprotected" }] },
    };
    const slack = renderWebhookBody("slack", envelope, "https://flexguard.example.com/");
    expect(slack).not.toContain("<!channel>");
    expect(slack).toContain("&lt;!channel&gt;");
    expect(JSON.parse(slack).blocks.at(-1).elements[0].url).toBe("https://flexguard.example.com/servers?state=non_compliant");
    const plan = renderWebhookBody("slack", { id: "e", event: "run.finished", occurredAt: "", data: { type: "run.finished", planId: "p", planName: "<!here>", status: "FAILED", counts: {} } }, "https://f.example");
    expect(JSON.parse(plan).text).toBe("Remediation run failed: &lt;!here&gt;: The run of plan \"&lt;!here&gt;\" finished: FAILED.");
  });
});
