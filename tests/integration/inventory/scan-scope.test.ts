// A configured subscription Flexguard cannot read fails the scan for itself alone, and its inventory is kept.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCore, startInProcessWorker, type InProcessWorker } from "../../support/in-process-worker";
import { smallFleet } from "../../factories/fleet";
import { startOwnEmulator, type OwnEmulator } from "../../support/own-emulator";

const fleet = smallFleet();
let emulator: OwnEmulator;
let worker: InProcessWorker | undefined;


describe("scan of configured subscriptions, one of them out of reach", () => {
  beforeAll(async () => {
    emulator = await startOwnEmulator(fleet.description(), {
      AZURE_SUBSCRIPTIONS: [...fleet.subscriptions.readable, fleet.subscriptions.hidden].join(","),
      // One job per subscription: the failure must stay with the one subscription either way.
      SCAN_SUBSCRIPTIONS_PER_JOB: "1",
    });
    worker = await startInProcessWorker();
  });
  afterAll(async () => {
    await worker?.stop();
    await emulator?.close();
  });

  it("records the unreadable subscription with a reason and inventories the others", async () => {
    const { db, requestScan, waitForScan } = await loadCore();
    // Something known of the hidden subscription from an earlier time must survive losing access to it.
    await db().subscription.upsert({ where: { id: fleet.subscriptions.hidden }, create: { id: fleet.subscriptions.hidden }, update: {} });
    const earlier = await db().server.create({
      data: {
        armIdKey: `/subscriptions/${fleet.subscriptions.hidden}/resourcegroups/rg-secret/providers/microsoft.dbforpostgresql/flexibleservers/pg-secret`,
        armId: `/subscriptions/${fleet.subscriptions.hidden}/resourceGroups/rg-secret/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-secret`,
        name: "pg-secret",
        subscriptionId: fleet.subscriptions.hidden,
        resourceGroup: "rg-secret",
        location: "westeurope",
      },
    });

    const { scanId } = await requestScan({ trigger: "test" });
    const scan = await waitForScan(scanId, { timeoutMs: 60_000 });
    expect(scan.status).toBe("PARTIAL");
    expect(scan.counts).toMatchObject({ subscriptions: 3, failedSubscriptions: 1, servers: 5 });
    expect(scan.error).toContain(`1 of 3 subscriptions could not be inventoried`);
    expect(scan.error).toContain(`${fleet.subscriptions.hidden}: Subscription ${fleet.subscriptions.hidden} is configured in AZURE_SUBSCRIPTIONS but Flexguard's credential`);

    const parts = await db().scanPart.findMany({ where: { scanId } });
    expect(parts.filter((p) => p.status === "SUCCEEDED").map((p) => p.subscriptions[0]).sort()).toEqual([...fleet.subscriptions.readable].sort());
    expect(parts.find((p) => p.status === "FAILED")).toMatchObject({ subscriptions: [fleet.subscriptions.hidden], errorCode: "SubscriptionNotVisible" });

    const kept = await db().server.findUniqueOrThrow({ where: { id: earlier.id } });
    expect(kept.deletedAt).toBeNull();
  });
});
