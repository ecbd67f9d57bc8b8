// What sends notifications on its own: the servers that drifted out of compliance in an evaluation run (from its
// timeline rows), the hourly look for exemptions about to expire (once per set), and deliveries Redis lost.
import { randomUUID } from "node:crypto";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { buildServer, serverArmId } from "../../factories/inventory";
import { insertServer, makeActor, makeSubscription } from "../rules/support";

const core = async () => ({
  ...(await import("@/core/db/client")),
  ...(await import("@/core/notifications/notify-drift")),
  ...(await import("@/core/notifications/run-notification-schedule")),
  ...(await import("@/core/exemptions/create-exemption")),
  ...(await import("@/core/queues")),
});

async function hook(events: string[]) {
  const { db } = await core();
  return db().webhook.create({ data: { name: `trigger-${randomUUID()}`, url: "http://127.0.0.1:9/hook", events, secret: "x".repeat(32), createdBy: "test" } });
}

beforeEach(async () => {
  const { db } = await core();
  await db().webhook.deleteMany({});
});

afterAll(async () => {
  const { db, closeProducers, disconnectDb } = await core();
  await db().webhook.deleteMany({});
  await closeProducers();
  await disconnectDb();
});

describe("notification triggers", () => {
  it("announces the servers that moved from compliant to non-compliant in a run, and nothing else", async () => {
    const { db, notifyDrift } = await core();
    const h = await hook(["servers.drifted"]);
    const subscription = await makeSubscription();
    const names = ["pg-drift-a", "pg-drift-b", "pg-still-ok", "pg-new"];
    const ids: Record<string, string> = {};
    for (const name of names) ids[name] = (await insertServer(buildServer({ name, subscriptionId: subscription, armId: serverArmId(subscription, "rg", name) }))).id;
    const runId = randomUUID();
    const change = (serverId: string, fromState: string | null, toState: string) => ({ serverId, fromState, toState, runId });
    await db().verdictChange.createMany({
      data: [
        change(ids["pg-drift-a"]!, "compliant", "unprotected"),
        change(ids["pg-drift-b"]!, "compliant", "missing_roles"),
        change(ids["pg-still-ok"]!, "unprotected", "compliant"), // got better
        change(ids["pg-new"]!, null, "unprotected"), // first verdict: never was compliant
      ],
    });
    expect(await notifyDrift(runId)).toBe(2);
    const delivery = await db().webhookDelivery.findFirstOrThrow({ where: { webhookId: h.id } });
    expect(delivery.event).toBe("servers.drifted");
    expect(delivery.payload).toMatchObject({
      data: { evaluationRunId: runId, count: 2, servers: [{ name: "pg-drift-a", toState: "unprotected" }, { name: "pg-drift-b", toState: "missing_roles" }] },
    });
    // A run where nothing drifted sends nothing.
    expect(await notifyDrift(randomUUID())).toBe(0);
    expect(await db().webhookDelivery.count({ where: { webhookId: h.id } })).toBe(1);
  });

  it("announces expiring exemptions once per set, and again when the set changes", async () => {
    const { db, createExemption, notifyExpiringExemptions } = await core();
    const h = await hook(["exemptions.expiring"]);
    const admin = await makeActor("ADMIN");
    const subscription = await makeSubscription();
    const exempt = (days: number) =>
      createExemption(admin, {
        target: { kind: "subscription", subscriptionId: subscription },
        ruleId: null,
        category: "waiver",
        justification: `expires in ${days} days`,
        expiresAt: new Date(Date.now() + days * 86_400_000).toISOString(),
        requestedBy: "owner",
      });
    // Other test files share the database and may hold expiring exemptions too: count relative to them.
    const soon = await exempt(3);
    const late = await exempt(60); // outside the 14-day window
    const first = await notifyExpiringExemptions();
    expect(first).toBeGreaterThanOrEqual(1);
    expect(await notifyExpiringExemptions()).toBe(first);
    expect(await db().webhookDelivery.count({ where: { webhookId: h.id } })).toBe(1);
    const later = await exempt(10);
    expect(await notifyExpiringExemptions()).toBe(first + 1);
    const deliveries = await db().webhookDelivery.findMany({ where: { webhookId: h.id }, orderBy: { createdAt: "asc" } });
    expect(deliveries).toHaveLength(2);
    const listed = (deliveries[1]!.payload as { data: { within: string; exemptions: { id: string; reason: string }[] } }).data;
    expect(listed.within).toBe("P14D");
    const mine = listed.exemptions.filter((e) => [soon.id, late.id, later.id].includes(e.id)).map((e) => e.reason);
    expect(mine).toEqual(["expires in 3 days", "expires in 10 days"]);
  });

  it("queues again a pending delivery whose job Redis lost", async () => {
    const { db, producer, webhookDeliveryQueue, requeueStrandedDeliveries } = await core();
    const h = await hook([]);
    const lost = await db().webhookDelivery.create({
      data: { webhookId: h.id, event: "run.finished", dedupeKey: `lost-${randomUUID()}`, payload: {}, createdAt: new Date(Date.now() - 10 * 60_000) },
    });
    const queue = producer(webhookDeliveryQueue);
    expect(await queue.getJob(`webhook-delivery-${lost.id}`)).toBeUndefined();
    expect(await requeueStrandedDeliveries()).toBeGreaterThanOrEqual(1);
    expect((await queue.getJob(`webhook-delivery-${lost.id}`))?.data).toEqual({ deliveryId: lost.id });
    await queue.remove(`webhook-delivery-${lost.id}`);
  });
});
