// Tracing is off unless started; when on, a scan is one trace: the scan job's span is the root, every part's job
// span is its child (though parts are separate jobs), and every Azure call is a span inside its part.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { loadCore, startInProcessWorker, type InProcessWorker } from "../../support/in-process-worker";

const exporter = new InMemorySpanExporter();
let worker: InProcessWorker | undefined;

describe("tracing", () => {
  beforeAll(async () => {
    process.env.SCAN_SUBSCRIPTIONS_PER_JOB = "1"; // one part per subscription: several jobs in one trace
  });
  afterAll(async () => {
    await worker?.stop();
    const { stopTracing } = await import("@/core/tracing/tracing");
    await stopTracing();
  });

  it("records nothing until started", async () => {
    const { withSpan, tracingEnabled } = await import("@/core/tracing/tracing");
    expect(tracingEnabled()).toBe(false);
    expect(await withSpan("x", {}, async () => 42)).toBe(42);
    expect(exporter.getFinishedSpans()).toHaveLength(0);
  });

  it("makes one trace of a scan, rooted at the scan job, with part and Azure call spans", async () => {
    const { startTracing, traceIdOf } = await import("@/core/tracing/tracing");
    await startTracing({ exporter });
    worker = await startInProcessWorker();
    const { requestScan, waitForScan } = await loadCore();
    const { scanId } = await requestScan({ trigger: "test" });
    const scan = await waitForScan(scanId, { timeoutMs: 60_000 });
    expect(scan.status).toBe("SUCCEEDED");
    const subscriptions = (scan.counts as { subscriptions: number }).subscriptions;
    expect(subscriptions).toBeGreaterThanOrEqual(2);
    // The last part finishes the scan from inside its job; its span ends a moment later.
    await expect.poll(() => exporter.getFinishedSpans().filter((s) => s.name === "scan-part job" && s.spanContext().traceId === traceIdOf(scanId)).length, { timeout: 10_000 }).toBe(subscriptions);

    const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceIdOf(scanId));
    const root = spans.find((s) => s.name === "scan job")!;
    expect(root).toBeDefined();
    expect(root.parentSpanContext).toBeUndefined();
    const parts = spans.filter((s) => s.name === "scan-part job");
    expect(parts.length).toBe(subscriptions);
    for (const part of parts) expect(part.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
    const azure = spans.filter((s) => s.name.startsWith("azure "));
    expect(azure.length).toBeGreaterThan(0);
    const partIds = new Set(parts.map((p) => p.spanContext().spanId));
    expect(azure.every((s) => partIds.has(s.parentSpanContext?.spanId ?? "") || s.parentSpanContext?.spanId === root.spanContext().spanId)).toBe(true);
    expect(azure.find((s) => s.name === "azure POST microsoft.resourcegraph/resources")?.attributes).toMatchObject({ "http.response.status_code": 200 });
    // Every span of the scan is in this one trace.
    const scanSpans = exporter.getFinishedSpans().filter((s) => s.attributes.scanId === scanId);
    expect(scanSpans.every((s) => s.spanContext().traceId === traceIdOf(scanId))).toBe(true);
  }, 90_000);
});
