// Next.js calls register() once when the server starts: the web process's metrics listener (Azure calls the app
// makes itself) and, when OTEL_ENABLED, tracing. Loaded lazily so that nothing of it reaches the edge or a client.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  process.env.FLEXGUARD_SERVICE ??= "web";
  const { env } = await import("./core/config/env");
  const { metrics } = await import("./core/metrics/registry");
  metrics();
  if (env().OTEL_ENABLED) await (await import("./core/tracing/tracing")).startTracing({ endpoint: env().OTEL_EXPORTER_OTLP_ENDPOINT });
}
