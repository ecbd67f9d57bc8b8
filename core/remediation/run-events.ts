// Server-sent events of a run's progress: a "progress" event now and whenever the counts change (checked every
// second), a comment every 15 s so proxies keep the stream open; the stream ends once the run is not running.
import { getRunProgress, type RunProgress } from "./run-progress";

export interface RunEventsOptions {
  signal?: AbortSignal;
  intervalMs?: number;
  heartbeatMs?: number;
}

const ACTIVE = new Set(["RUNNING"]);

export async function* runProgressEvents(planId: string, { signal, intervalMs = 1_000, heartbeatMs = 15_000 }: RunEventsOptions = {}): AsyncGenerator<string> {
  // The browser reconnects this long after the stream ends, so a paused or approved plan is looked at again.
  yield "retry: 5000\n\n";
  let last = "";
  let sentAt = Date.now();
  while (!signal?.aborted) {
    const progress = await getRunProgress(planId);
    if (!progress) return;
    const key = JSON.stringify({ ...progress, etaSeconds: null });
    if (key !== last || Date.now() - sentAt >= heartbeatMs * 2) {
      yield event("progress", progress);
      last = key;
      sentAt = Date.now();
    } else if (Date.now() - sentAt >= heartbeatMs) {
      yield ": keep-alive\n\n";
      sentAt = Date.now();
    }
    if (!ACTIVE.has(progress.status)) return;
    // The abort listener goes when the timer fires: a stream open for hours must not gather one per second.
    await new Promise<void>((resolve) => {
      const onAbort = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, intervalMs);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}

const event = (name: string, data: RunProgress) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
