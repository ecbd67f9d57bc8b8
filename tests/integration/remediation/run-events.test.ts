// The live progress stream of a run (GET /api/plans/:id/events) stays open as long as a browser watches the plan
// page: whatever it waits on between looks must not pile up on the request's signal, and aborting ends it.
import { randomUUID } from "node:crypto";
import { getEventListeners } from "node:events";
import { afterAll, describe, expect, it } from "vitest";
import { createApprovedPlan, remediationFleet } from "../../factories/plans";

const core = async () => ({ ...(await import("@/core/db/client")), ...(await import("@/core/remediation/run-events")) });

describe("run progress events", () => {
  afterAll(async () => (await core()).disconnectDb());

  it("leaves no abort listener behind on the request's signal however long the stream runs, and ends on abort", async () => {
    const { db, runProgressEvents } = await core();
    const fleet = remediationFleet({ subscriptions: 1, serversPerSubscription: 2 });
    const { planId } = await createApprovedPlan(db(), { servers: fleet.servers.map((s) => ({ ...s, id: randomUUID() })) });
    await db().remediationPlan.update({ where: { id: planId }, data: { status: "RUNNING", startedAt: new Date() } });
    try {
      const request = new AbortController();
      // Looks every millisecond and a keep-alive every 5: many waits between the events read here.
      const events = runProgressEvents(planId, { signal: request.signal, intervalMs: 1, heartbeatMs: 5 });
      const listeners: number[] = [];
      let progress = 0;
      for (let i = 0; i < 60; i++) {
        const next = await events.next();
        expect(next.done).toBe(false);
        if (String(next.value).startsWith("event: progress")) progress++;
        listeners.push(getEventListeners(request.signal, "abort").length);
      }
      expect(progress).toBeGreaterThan(1);
      expect(Math.max(...listeners)).toBe(0);
      request.abort();
      expect((await events.next()).done).toBe(true);
    } finally {
      await db().remediationPlan.deleteMany({ where: { id: planId } });
    }
  });
});
