// Webhook administration: admins only, the secret shown once and never again, URLs limited to http(s), every
// change audited, and "send test" reaching the endpoint with a signed request.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeActor } from "../rules/support";

let server: http.Server;
let url: string;
const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];

const core = async () => ({
  ...(await import("@/core/db/client")),
  ...(await import("@/core/notifications/webhooks")),
  ...(await import("@/core/notifications/sign")),
});

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/very-secret-path`;
});

afterAll(async () => {
  const { db, disconnectDb } = await core();
  await db().webhook.deleteMany({});
  await disconnectDb();
  await new Promise((r) => server.close(r));
});

describe("webhook administration", () => {
  it("shows the secret once, hides it and the URL's path afterwards, and audits each change", async () => {
    const { db, createWebhook, listWebhooks, getWebhook, updateWebhook, deleteWebhook } = await core();
    const admin = await makeActor("ADMIN");
    const created = await createWebhook(admin, { name: `ops-${Date.now()}`, url, format: "slack", events: ["run.finished"] });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9_-]{40,}$/);
    expect(created.urlPreview).toBe(`${new URL(url).origin}/…`);

    const listed = (await listWebhooks(admin)).find((w) => w.id === created.id)!;
    expect(JSON.stringify(listed)).not.toContain(created.secret);
    expect(JSON.stringify(listed)).not.toContain("very-secret-path");
    expect(JSON.stringify(await getWebhook(admin, created.id))).not.toContain(created.secret);

    const rotated = await updateWebhook(admin, created.id, { rotateSecret: true, enabled: false });
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(created.secret);
    expect(rotated.enabled).toBe(false);

    await expect(createWebhook(admin, { name: created.name, url })).rejects.toMatchObject({ code: "CONFLICT" });
    await deleteWebhook(admin, created.id);
    await expect(getWebhook(admin, created.id)).rejects.toMatchObject({ code: "NOT_FOUND" });

    const audit = await db().auditEvent.findMany({ where: { targetId: created.id }, orderBy: { at: "asc" } });
    expect(audit.map((a) => a.action)).toEqual(["webhook.create", "webhook.update", "webhook.delete"]);
    const recorded = JSON.stringify(audit.map((a) => [a.before, a.after, a.details]));
    expect(recorded).not.toContain(created.secret);
    expect(recorded).not.toContain(rotated.secret!);
    expect(recorded).not.toContain("very-secret-path");
    expect(audit[1]!.before).toMatchObject({ format: "slack", events: ["run.finished"], enabled: true });
    expect(audit[1]!.after).toMatchObject({ format: "slack", events: ["run.finished"], enabled: false, secret: "(rotated)" });
  });

  it("refuses other roles and URLs that are not http or https", async () => {
    const { createWebhook, listWebhooks } = await core();
    for (const role of ["VIEWER", "OPERATOR", "APPROVER"] as const) {
      const actor = await makeActor(role);
      await expect(listWebhooks(actor)).rejects.toMatchObject({ code: "FORBIDDEN" });
      await expect(createWebhook(actor, { name: "x", url })).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
    const admin = await makeActor("ADMIN");
    for (const bad of ["file:///etc/passwd", "ftp://example.com/x", "javascript:alert(1)", "not a url", "gopher://127.0.0.1:6379/_PING"])
      await expect(createWebhook(admin, { name: `bad-${Math.random()}`, url: bad })).rejects.toMatchObject({ issues: [expect.objectContaining({ path: ["url"], message: "url must be an http:// or https:// URL" })] });
  });

  it("sends a signed test notification now, even to a disabled webhook, and records it", async () => {
    const { db, createWebhook, updateWebhook, testWebhook, listWebhookDeliveries, verifyWebhookSignature } = await core();
    const admin = await makeActor("ADMIN");
    const hook = await createWebhook(admin, { name: `test-${Date.now()}`, url, format: "teams" });
    await updateWebhook(admin, hook.id, { enabled: false });
    received.length = 0;
    const result = await testWebhook(admin, hook.id);
    expect(result).toMatchObject({ delivered: true, statusCode: 200, error: null });
    expect(received).toHaveLength(1);
    expect(verifyWebhookSignature(hook.secret, received[0]!.body, String(received[0]!.headers["x-flexguard-signature"]))).toBe(true);
    expect(JSON.parse(received[0]!.body).attachments[0].content.body[0].text).toBe("Flexguard test notification");
    const deliveries = await listWebhookDeliveries(admin, hook.id);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ event: "webhook.test", status: "delivered", attemptLog: [expect.objectContaining({ attempt: 1, statusCode: 200 })] });
    expect(await db().auditEvent.count({ where: { targetId: hook.id, action: "webhook.test" } })).toBe(1);
  });
});
