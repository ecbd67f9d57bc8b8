// A scan through the real queue, worker, Resource Graph SDK client and emulator stores the fleet in Postgres.
import type { Worker } from "bullmq";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { db, disconnectDb } from "@/core/db/client";
import { requestScan } from "@/core/inventory/request-scan";
import { waitForScan } from "@/core/inventory/get-scan";
import { SERVERS_QUERY } from "@/core/inventory/queries";
import { closeProducers } from "@/core/queues";
import { startScanPartProcessor, startScanProcessor } from "@/worker/processors/scan";
import { emulatorGraphRows } from "../../support/emulator-http";
import { TEST_FLEET } from "../../support/global-setup";

const emulator = () => ({ url: inject("emulatorUrl"), certFile: inject("emulatorCertFile"), principalId: inject("emulatorPrincipalId") });

describe("inventory scan", () => {
  let workers: Worker[];
  beforeAll(() => {
    workers = [startScanProcessor(), startScanPartProcessor()];
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close()));
    await closeProducers();
    await disconnectDb();
  });

  it("stores every server the emulator's Resource Graph returns, with its facts and tags", async () => {
    const { scanId } = await requestScan({ trigger: "test" });
    const scan = await waitForScan(scanId, { timeoutMs: 60_000 });

    expect(scan.status).toBe("SUCCEEDED");
    expect(scan.counts).toMatchObject({ servers: TEST_FLEET.servers, subscriptions: TEST_FLEET.subscriptions, failedSubscriptions: 0, deleted: 0 });

    const expected = { data: await emulatorGraphRows<{ id: string; name: string; tags: Record<string, string> | null }>(emulator(), SERVERS_QUERY) };
    expect(expected.data).toHaveLength(TEST_FLEET.servers);
    // Other test files share this run's database with fleets of their own: look at this emulator's subscriptions.
    const subscriptions = inject("emulatorSubscriptions");
    const stored = await db().server.findMany({ where: { deletedAt: null, subscriptionId: { in: subscriptions } } });
    expect(stored).toHaveLength(TEST_FLEET.servers);
    expect(new Set(stored.map((s) => s.armIdKey))).toEqual(new Set(expected.data.map((s) => s.id.toLowerCase())));

    const sample = expected.data[Math.floor(expected.data.length / 2)]!;
    const row = stored.find((s) => s.armIdKey === sample.id.toLowerCase())!;
    expect(row.name).toBe(sample.name);
    expect(row.armId).toBe(sample.id);
    expect(row.tags).toEqual(sample.tags ?? {});
    expect(row.lastScanId).toBe(scanId);
    expect(await db().subscription.count({ where: { id: { in: subscriptions } } })).toBe(TEST_FLEET.subscriptions);
  });

  it("joins the scan already queued instead of starting a second one", async () => {
    const first = await requestScan({ trigger: "test" });
    const second = await requestScan({ trigger: "test" });
    expect(first.created).toBe(true);
    expect(second).toEqual({ scanId: first.scanId, created: false });
    await waitForScan(first.scanId, { timeoutMs: 60_000 });
    const third = await requestScan({ trigger: "test" });
    expect(third.created).toBe(true);
    await waitForScan(third.scanId, { timeoutMs: 60_000 });
  });

  it("rescanning an unchanged fleet updates rows in place instead of duplicating them", async () => {
    const where = { subscriptionId: { in: inject("emulatorSubscriptions") } };
    const before = await db().server.findMany({ where, select: { id: true, armIdKey: true, firstSeenAt: true } });
    const { scanId } = await requestScan({ trigger: "test" });
    expect((await waitForScan(scanId)).status).toBe("SUCCEEDED");
    const after = await db().server.findMany({ where, select: { id: true, armIdKey: true, firstSeenAt: true, lastScanId: true } });
    expect(after).toHaveLength(before.length);
    expect(after.map(({ id, armIdKey, firstSeenAt }) => ({ id, armIdKey, firstSeenAt })).sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      before.sort((a, b) => a.id.localeCompare(b.id)),
    );
    expect(after.every((s) => s.lastScanId === scanId)).toBe(true);
  });
});
