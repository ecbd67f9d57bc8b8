// When Azure (here: the emulator's address) cannot be reached, the scan fails after bounded retries and its
// record names the endpoint, in words a platform engineer acts on.
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCore, startInProcessWorker, type InProcessWorker } from "../../support/in-process-worker";

let worker: InProcessWorker | undefined;


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
    worker = await startInProcessWorker();
  });
  afterAll(async () => {
    await worker?.stop();
  });

  it("fails the scan with a message naming the endpoint after a bounded number of attempts", async () => {
    const { requestScan, waitForScan, onAzureCall } = await loadCore();
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
