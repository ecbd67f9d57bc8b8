// When Azure (here: the emulator's address) cannot be reached, the scan fails after bounded retries and its
// record names the endpoint, in words a platform engineer acts on.
import { createServer } from "node:net";
import type { Worker } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let workers: Worker[] = [];

const core = async () => ({
  ...(await import("@/core/db/client")),
  ...(await import("@/core/inventory/request-scan")),
  ...(await import("@/core/inventory/get-scan")),
  ...(await import("@/core/queues")),
  ...(await import("@/worker/processors/scan")),
  ...(await import("@/core/azure/call-log")),
});

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe("scan with Azure unreachable", () => {
  let endpoint: string;
  beforeAll(async () => {
    endpoint = `https://127.0.0.1:${await closedPort()}`;
    process.env.AZURE_ENDPOINT = endpoint;
    const { startScanProcessor, startScanPartProcessor } = await core();
    workers = [startScanProcessor(), startScanPartProcessor()];
  });
  afterAll(async () => {
    const { disconnectDb, closeProducers } = await core();
    await Promise.all(workers.map((w) => w.close()));
    await closeProducers();
    await disconnectDb();
  });

  it("fails the scan with a message naming the endpoint after a bounded number of attempts", async () => {
    const { requestScan, waitForScan, onAzureCall } = await core();
    let calls = 0;
    const stop = onAzureCall(() => calls++);
    const { scanId } = await requestScan({ trigger: "test" });
    const scan = await waitForScan(scanId, { timeoutMs: 120_000 });
    stop();
    expect(scan.status).toBe("FAILED");
    expect(scan.error).toContain(`Azure Resource Manager at ${endpoint} cannot be reached`);
    expect(scan.error).toMatch(/ECONNREFUSED/);
    // 3 job attempts, each with the SDK's retries (1 + 4): bounded, not a retry storm.
    expect(calls).toBeGreaterThanOrEqual(3);
    expect(calls).toBeLessThanOrEqual(15);
  }, 150_000);
});
