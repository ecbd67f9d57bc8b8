import type { PipelinePolicy, PipelineRequest, PipelineResponse } from "@azure/core-rest-pipeline";
import { log } from "../log";
import { withSpan } from "../tracing/tracing";
import { azureApiOf, noteAzureCall, type AzureCall } from "./call-log";

/** Waits `ms`, or rejects with "aborted" as soon as the request is aborted. */
export const sleep = (ms: number, signal?: PipelineRequest["abortSignal"]) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new Error("aborted"));
    }, { once: true });
  });

/** Parses Resource Graph's `x-ms-user-quota-resets-after` (hh:mm:ss) into milliseconds. */
export function parseQuotaResetsAfter(value: string | undefined): number | undefined {
  const m = value?.match(/^(\d+):(\d{2}):(\d{2})(?:\.(\d+))?$/);
  if (!m) return undefined;
  const fraction = m[4] ? Number(`0.${m[4]}`) : 0;
  return ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3]) + fraction) * 1000;
}

/**
 * Paces Resource Graph queries by the quota headers so that Flexguard waits before it is throttled instead of
 * after: each response says how many queries remain in the window and when it resets; once the remaining
 * queries (less those already in flight) are used up, further queries wait for the reset.
 */
export class ResourceGraphQuota {
  remaining: number | undefined;
  resetsAt = 0;
  inFlight = 0;
  /** Total time spent waiting for the window, for benchmarks and logs. */
  waitedMs = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** How long a query sent now must wait; 0 when it may go at once. Reserves a slot when it returns 0. */
  reserve(): number {
    const now = this.now();
    if (this.remaining !== undefined && now >= this.resetsAt) this.remaining = undefined; // a new window: learn it anew
    if (this.remaining === undefined) {
      // Unknown window: let one query learn it before the others go.
      if (this.inFlight > 0) return 50;
    } else if (this.remaining - this.inFlight <= 0) {
      return Math.max(this.resetsAt - now, 1);
    }
    this.inFlight++;
    return 0;
  }

  /** Records the headers of a finished query (or its failure, with no headers). */
  settle(remaining: number | undefined, resetsAfterMs: number | undefined): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (remaining === undefined || resetsAfterMs === undefined) return;
    // Every response gives an upper bound of the reset time (Azure rounds resets-after up to whole seconds, and the
    // window started before this response arrived): within one window keep the lowest bound and the lowest count.
    const resetsAt = this.now() + resetsAfterMs;
    if (this.remaining === undefined) {
      this.remaining = remaining;
      this.resetsAt = resetsAt;
    } else {
      this.remaining = Math.min(this.remaining, remaining);
      this.resetsAt = Math.min(this.resetsAt, resetsAt);
    }
  }
}

const RESOURCE_GRAPH_PATH = /\/providers\/microsoft\.resourcegraph\/resources$/i;

export function resourceGraphQuotaPolicy(quota: ResourceGraphQuota): PipelinePolicy {
  return {
    name: "flexguardResourceGraphQuota",
    async sendRequest(request: PipelineRequest, next) {
      if (!RESOURCE_GRAPH_PATH.test(new URL(request.url).pathname)) return next(request);
      for (let wait = quota.reserve(); wait > 0; wait = quota.reserve()) {
        quota.waitedMs += wait;
        await sleep(wait, request.abortSignal);
      }
      let response: PipelineResponse | undefined;
      try {
        response = await next(request);
        return response;
      } finally {
        const remaining = response?.headers.get("x-ms-user-quota-remaining");
        quota.settle(remaining === undefined ? undefined : Number(remaining), parseQuotaResetsAfter(response?.headers.get("x-ms-user-quota-resets-after")));
      }
    },
  };
}

/**
 * Records every attempt (retries included) with Azure's request and correlation ids, for job history and metrics;
 * logs it (debug, or warn when Azure failed or could not be reached) with the ids of the job it belongs to; and,
 * with tracing on, makes it a span.
 */
export function azureCallRecorderPolicy(): PipelinePolicy {
  return {
    name: "flexguardAzureCallRecorder",
    sendRequest(request, next) {
      const url = new URL(request.url);
      const path = url.pathname + url.search;
      return withSpan(`azure ${request.method} ${azureApiOf(url.pathname)}`, { "http.request.method": request.method, "url.path": url.pathname }, async (span) => {
        const started = performance.now();
        let call: AzureCall | undefined;
        try {
          const response = await next(request);
          call = {
            method: request.method,
            path,
            status: response.status,
            durationMs: Math.round(performance.now() - started),
            requestId: response.headers.get("x-ms-request-id") ?? null,
            correlationId: response.headers.get("x-ms-correlation-request-id") ?? null,
            errorCode: response.status >= 400 ? errorCodeOf(response) : null,
          };
          span.setAttributes({ "http.response.status_code": response.status, "azure.request_id": call.requestId ?? undefined, "azure.correlation_id": call.correlationId ?? undefined });
          if (response.status >= 400) span.setError(`${response.status}${call.errorCode ? ` ${call.errorCode}` : ""}`);
          return response;
        } catch (err) {
          call = { method: request.method, path, status: null, durationMs: Math.round(performance.now() - started), requestId: null, correlationId: null, errorCode: (err as { code?: string }).code ?? "REQUEST_SEND_ERROR" };
          throw err;
        } finally {
          if (call) {
            noteAzureCall(call);
            const level = call.status === null || call.status >= 500 ? "warn" : "debug";
            log()[level]({ azure: { method: call.method, path: url.pathname, status: call.status, ms: call.durationMs, requestId: call.requestId, correlationId: call.correlationId, errorCode: call.errorCode } }, "azure call");
          }
        }
      });
    },
  };
}

function errorCodeOf(response: PipelineResponse): string | null {
  try {
    return (JSON.parse(response.bodyAsText ?? "") as { error?: { code?: string } }).error?.code ?? null;
  } catch {
    return null;
  }
}
