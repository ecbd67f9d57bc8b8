// A scan through the real queue, worker, Resource Graph SDK client and emulator stores the fleet in Postgres.
import type { Worker } from "bullmq";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { db, disconnectDb } from "@/core/db/client";
import { emulatorCredential } from "@/core/azure/credential";
import { requestScan } from "@/core/inventory/request-scan";
import { waitForScan } from "@/core/inventory/get-scan";
import { SERVERS_QUERY } from "@/core/inventory/queries";
import { closeProducers } from "@/core/queues";
import { startScanProcessor } from "@/worker/processors/scan";
import { TEST_FLEET } from "../../support/global-setup";

/** Asks the emulator directly over HTTPS (not through our client) for one page of the servers query. */
async function emulatorServers(): Promise<{ totalRecords: number; data: { id: string; name: string; tags: Record<string, string> }[] }> {
  const { token } = (await emulatorCredential(inject("emulatorPrincipalId")).getToken([]))!;
  const body = JSON.stringify({ query: SERVERS_QUERY, options: { $top: 1000 } });
  const url = new URL("/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01", inject("emulatorUrl"));
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", ca: readFileSync(inject("emulatorCertFile")), headers: { authorization: `Bearer ${token}`, "content-type": "application/json" } }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (c: string) => (text += c)).on("end", () => resolve(JSON.parse(text)));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("inventory scan", () => {
  let worker: Worker;
  beforeAll(() => {
    worker = startScanProcessor();
  });
  afterAll(async () => {
    await worker.close();
    await closeProducers();
    await disconnectDb();
  });

  it("stores every server the emulator's Resource Graph returns, with its facts and tags", async () => {
    const { scanId } = await requestScan({ trigger: "test" });
    const scan = await waitForScan(scanId, { timeoutMs: 60_000 });

    expect(scan.status).toBe("SUCCEEDED");
    expect(scan.counts).toMatchObject({ servers: TEST_FLEET.servers, subscriptions: TEST_FLEET.subscriptions, deleted: 0 });

    const expected = await emulatorServers();
    expect(expected.totalRecords).toBe(TEST_FLEET.servers);
    const stored = await db().server.findMany({ where: { deletedAt: null } });
    expect(stored).toHaveLength(TEST_FLEET.servers);
    expect(new Set(stored.map((s) => s.armIdKey))).toEqual(new Set(expected.data.map((s) => s.id.toLowerCase())));

    const sample = expected.data[Math.floor(expected.data.length / 2)]!;
    const row = stored.find((s) => s.armIdKey === sample.id.toLowerCase())!;
    expect(row.name).toBe(sample.name);
    expect(row.armId).toBe(sample.id);
    expect(row.tags).toEqual(sample.tags ?? {});
    expect(row.lastScanId).toBe(scanId);
    expect(await db().subscription.count()).toBe(TEST_FLEET.subscriptions);
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
    const before = await db().server.findMany({ select: { id: true, armIdKey: true, firstSeenAt: true } });
    const { scanId } = await requestScan({ trigger: "test" });
    expect((await waitForScan(scanId)).status).toBe("SUCCEEDED");
    const after = await db().server.findMany({ select: { id: true, armIdKey: true, firstSeenAt: true, lastScanId: true } });
    expect(after).toHaveLength(before.length);
    expect(after.map(({ id, armIdKey, firstSeenAt }) => ({ id, armIdKey, firstSeenAt })).sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      before.sort((a, b) => a.id.localeCompare(b.id)),
    );
    expect(after.every((s) => s.lastScanId === scanId)).toBe(true);
  });
});
