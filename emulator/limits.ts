// Throttling as Azure does it. ARM: token buckets per subscription and principal (and a global
// bucket per subscription, 15x larger) for reads, writes and deletes, refilled continuously
// (CONTRACT §6). Resource Graph: a per-principal quota of 15 queries per 5-second window with the
// x-ms-user-quota-* headers (CONTRACT §5.2). Wall-clock based: throttling is about how fast a
// client sends, which emulated time must not change.

export type OperationKind = "reads" | "writes" | "deletes";

export interface BucketSpec {
  size: number;
  refillPerSecond: number;
}

export interface LimitsConfig {
  enabled: boolean;
  arm: Record<OperationKind, BucketSpec>;
  /** Multiplier for the subscription-wide bucket shared by all principals. */
  globalMultiplier: number;
  graph: { queriesPerWindow: number; windowMs: number };
}

export const DEFAULT_LIMITS: LimitsConfig = {
  enabled: true,
  arm: {
    reads: { size: 250, refillPerSecond: 25 },
    writes: { size: 200, refillPerSecond: 10 },
    deletes: { size: 200, refillPerSecond: 10 },
  },
  globalMultiplier: 15,
  graph: { queriesPerWindow: 15, windowMs: 5_000 },
};

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export interface ThrottleDecision {
  allowed: boolean;
  headers: Record<string, string>;
  retryAfterSeconds?: number;
}

export class Throttler {
  private buckets = new Map<string, Bucket>();
  private graphWindows = new Map<string, { startMs: number; used: number }>();

  constructor(public config: LimitsConfig) {}

  reset(): void {
    this.buckets.clear();
    this.graphWindows.clear();
  }

  private take(key: string, spec: BucketSpec, nowMs: number): { allowed: boolean; remaining: number; retryAfterSeconds: number } {
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = { tokens: spec.size, updatedMs: nowMs }));
    bucket.tokens = Math.min(spec.size, bucket.tokens + ((nowMs - bucket.updatedMs) / 1000) * spec.refillPerSecond);
    bucket.updatedMs = nowMs;
    if (bucket.tokens < 1) {
      return { allowed: false, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / spec.refillPerSecond)) };
    }
    bucket.tokens -= 1;
    return { allowed: true, remaining: Math.floor(bucket.tokens), retryAfterSeconds: 0 };
  }

  /** One ARM request against a subscription (or the tenant when subscriptionId is undefined). */
  arm(subscriptionId: string | undefined, principalId: string, kind: OperationKind, nowMs = Date.now()): ThrottleDecision {
    const scope = subscriptionId ? "subscription" : "tenant";
    const spec = this.config.arm[kind];
    if (!this.config.enabled) return { allowed: true, headers: { [`x-ms-ratelimit-remaining-${scope}-${kind}`]: String(spec.size - 1) } };
    const scopeKey = subscriptionId?.toLowerCase() ?? "tenant";
    const own = this.take(`${scopeKey}|${principalId}|${kind}`, spec, nowMs);
    if (!own.allowed) return { allowed: false, headers: { [`x-ms-ratelimit-remaining-${scope}-${kind}`]: "0" }, retryAfterSeconds: own.retryAfterSeconds };
    const headers: Record<string, string> = { [`x-ms-ratelimit-remaining-${scope}-${kind}`]: String(own.remaining) };
    if (subscriptionId) {
      const globalSpec = { size: spec.size * this.config.globalMultiplier, refillPerSecond: spec.refillPerSecond * this.config.globalMultiplier };
      const global = this.take(`${scopeKey}|*|${kind}`, globalSpec, nowMs);
      headers[`x-ms-ratelimit-remaining-subscription-global-${kind}`] = String(global.remaining);
      if (!global.allowed) return { allowed: false, headers, retryAfterSeconds: global.retryAfterSeconds };
    }
    return { allowed: true, headers };
  }

  /** One Resource Graph query by the principal. */
  graph(principalId: string, nowMs = Date.now()): ThrottleDecision {
    const { queriesPerWindow, windowMs } = this.config.graph;
    if (!this.config.enabled) {
      return { allowed: true, headers: { "x-ms-user-quota-remaining": String(queriesPerWindow), "x-ms-user-quota-resets-after": hms(windowMs) } };
    }
    let window = this.graphWindows.get(principalId);
    if (!window || nowMs - window.startMs >= windowMs) this.graphWindows.set(principalId, (window = { startMs: nowMs, used: 0 }));
    const resetsInMs = window.startMs + windowMs - nowMs;
    if (window.used >= queriesPerWindow) {
      return {
        allowed: false,
        headers: { "x-ms-user-quota-remaining": "0", "x-ms-user-quota-resets-after": hms(resetsInMs) },
        retryAfterSeconds: Math.max(1, Math.ceil(resetsInMs / 1000)),
      };
    }
    window.used++;
    return { allowed: true, headers: { "x-ms-user-quota-remaining": String(queriesPerWindow - window.used), "x-ms-user-quota-resets-after": hms(resetsInMs) } };
  }
}

/** hh:mm:ss, rounded up to the next second as the service reports it. */
export function hms(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(Math.floor(total / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
}
