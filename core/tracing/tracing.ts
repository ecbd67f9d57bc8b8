// Optional OpenTelemetry tracing, off by default. Nothing of OpenTelemetry is loaded unless startTracing() runs
// (OTEL_ENABLED=true, or a test's in-memory exporter): withSpan is then a plain call.
//
// A scan is one trace although its parts run as separate jobs, maybe on other machines: the trace id is the scan
// id (a UUID is 128 bits, as a trace id is) and the scan job's span id is derived from it, so every part's span
// joins the trace as a child of the scan's span without any tracing data in the job payloads.
import { createHash } from "node:crypto";
import { AsyncLocalStorage } from "node:async_hooks";
import type * as Api from "@opentelemetry/api";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";

type Attributes = Record<string, string | number | boolean | undefined>;

/** What code inside a span may add to it; a no-op without tracing. */
export interface SpanHandle {
  setAttributes(attributes: Attributes): void;
  /** Marks the span failed without an exception (e.g. an HTTP error status that the caller handles). */
  setError(message: string): void;
}
const NO_SPAN: SpanHandle = { setAttributes() {}, setError() {} };

interface Tracing {
  api: typeof Api;
  tracer: Api.Tracer;
  shutdown(): Promise<void>;
  forceFlush(): Promise<void>;
}

const cache = globalThis as typeof globalThis & { flexguardTracing?: Tracing };
// Ids the next span created in this context must take (the root span of a trace keyed by a row id).
const forcedIds = new AsyncLocalStorage<{ traceId: string; spanId: string; traceUsed: boolean; spanUsed: boolean }>();

/** Whether spans are being recorded. */
export const tracingEnabled = (): boolean => cache.flexguardTracing !== undefined;

/** The trace id of work keyed by a row id (a scan, a remediation item): the UUID's 32 hex digits. */
export const traceIdOf = (key: string): string => key.replace(/-/g, "").toLowerCase().padEnd(32, "0").slice(0, 32);
/** The span id of that work's root span. */
export const rootSpanIdOf = (key: string): string => createHash("sha256").update(`root:${key}`).digest("hex").slice(0, 16);

/**
 * Starts tracing: spans go to `exporter` when given (tests), else over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT.
 * Idempotent.
 */
export async function startTracing({ exporter, serviceName = process.env.FLEXGUARD_SERVICE ?? "flexguard", endpoint }: { exporter?: SpanExporter; serviceName?: string; endpoint?: string } = {}): Promise<void> {
  if (cache.flexguardTracing) return;
  // The SDK's default resource reads the service name from here.
  process.env.OTEL_SERVICE_NAME ??= serviceName;
  const api = await import("@opentelemetry/api");
  const base = await import("@opentelemetry/sdk-trace-base");
  const node = await import("@opentelemetry/sdk-trace-node");
  let spanExporter = exporter;
  if (!spanExporter) {
    const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-http");
    spanExporter = new OTLPTraceExporter(endpoint ? { url: `${endpoint.replace(/\/$/, "")}/v1/traces` } : {});
  }
  const random = new base.RandomIdGenerator();
  const idGenerator = {
    // Each forced id is handed out once (the SDK asks for the span id first), then ids are random again.
    generateTraceId: () => {
      const forced = forcedIds.getStore();
      if (!forced || forced.traceUsed) return random.generateTraceId();
      forced.traceUsed = true;
      return forced.traceId;
    },
    generateSpanId: () => {
      const forced = forcedIds.getStore();
      if (!forced || forced.spanUsed) return random.generateSpanId();
      forced.spanUsed = true;
      return forced.spanId;
    },
  };
  const provider = new node.NodeTracerProvider({
    idGenerator,
    spanProcessors: [exporter ? new base.SimpleSpanProcessor(spanExporter) : new base.BatchSpanProcessor(spanExporter)],
  });
  provider.register();
  cache.flexguardTracing = { api, tracer: api.trace.getTracer("flexguard"), shutdown: () => provider.shutdown(), forceFlush: () => provider.forceFlush() };
}

/** Flushes and stops tracing (worker shutdown, tests). */
export async function stopTracing(): Promise<void> {
  const t = cache.flexguardTracing;
  cache.flexguardTracing = undefined;
  if (t) {
    await t.forceFlush();
    await t.shutdown();
    t.api.trace.disable();
    t.api.context.disable();
  }
}

const clean = (a: Attributes) => Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined)) as Api.Attributes;

async function runInSpan<T>(t: Tracing, name: string, attributes: Attributes, fn: (span: SpanHandle) => Promise<T>, parent?: Api.Context): Promise<T> {
  const run = (span: Api.Span) =>
    fn({
      setAttributes: (a) => span.setAttributes(clean(a)),
      setError: (message) => span.setStatus({ code: t.api.SpanStatusCode.ERROR, message }),
    }).then(
      (result) => {
        span.end();
        return result;
      },
      (err: unknown) => {
        span.recordException(err as Error);
        span.setStatus({ code: t.api.SpanStatusCode.ERROR, message: (err as Error)?.message });
        span.end();
        throw err;
      },
    );
  return parent ? t.tracer.startActiveSpan(name, { attributes: clean(attributes) }, parent, run) : t.tracer.startActiveSpan(name, { attributes: clean(attributes) }, run);
}

/** Runs `fn` inside a span (a child of the current one); without tracing, just runs `fn`. */
export function withSpan<T>(name: string, attributes: Attributes, fn: (span: SpanHandle) => Promise<T>): Promise<T> {
  const t = cache.flexguardTracing;
  if (!t) return fn(NO_SPAN);
  return runInSpan(t, name, attributes, fn);
}

/**
 * Runs `fn` in a span of the trace keyed by `key` (a scan id, a remediation item id): as that trace's root span when
 * `root`, else as a child of the root span, wherever and whenever the root ran.
 */
export function withKeyedSpan<T>(key: string, root: boolean, name: string, attributes: Attributes, fn: (span: SpanHandle) => Promise<T>): Promise<T> {
  const t = cache.flexguardTracing;
  if (!t) return fn(NO_SPAN);
  const traceId = traceIdOf(key);
  const spanId = rootSpanIdOf(key);
  if (root) return forcedIds.run({ traceId, spanId, traceUsed: false, spanUsed: false }, () => runInSpan(t, name, attributes, fn, t.api.ROOT_CONTEXT));
  const parent = t.api.trace.setSpanContext(t.api.ROOT_CONTEXT, { traceId, spanId, traceFlags: t.api.TraceFlags.SAMPLED, isRemote: true });
  return runInSpan(t, name, attributes, fn, parent);
}
