// Paces ARM requests per subscription to the budget Azure reports in x-ms-ratelimit-remaining-subscription-*
// headers, so that Flexguard waits before a 429 instead of after one. ARM's limits are token buckets per
// subscription and principal (CONTRACT §6): each response says how many tokens remain; the refill rate is not
// sent, so it is learned from how the remaining count moves between responses.
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { sleep } from "./policies";

export type ArmOperationKind = "reads" | "writes" | "deletes";

/** One bucket (a subscription's reads, writes or deletes) as seen from the responses. */
export class ArmBudget {
  /** Tokens left after the last response, and when it arrived. */
  remaining: number | undefined;
  at = 0;
  /** Requests sent and not yet answered. */
  inFlight = 0;
  /** Learned refill, tokens per second; undefined until two responses below the bucket's top show it. */
  refillPerSecond: number | undefined;
  /** Highest remaining count seen: the bucket's size, about. */
  top = 0;
  private sample: { at: number; remaining: number; answered: number } | undefined;
  private answered = 0;
  waitedMs = 0;

  constructor(
    /** Tokens left untouched for other clients of the same principal and for retries. */
    private readonly reserve: number = 5,
    private readonly now: () => number = Date.now,
  ) {}

  /** Tokens expected to be available now (after refill since the last response), less those already in flight. */
  available(): number | undefined {
    if (this.remaining === undefined) return undefined;
    const refill = ((this.now() - this.at) / 1000) * (this.refillPerSecond ?? 0);
    return Math.min(this.top, this.remaining + refill) - this.inFlight;
  }

  /** How long a request sent now must wait; 0 when it may go at once, and then it counts as in flight. */
  acquire(): number {
    const available = this.available();
    if (available === undefined) {
      // Unknown bucket: one request learns it before the rest go.
      if (this.inFlight > 0) return 25;
    } else if (available < 1 + this.reserve) {
      const missing = 1 + this.reserve - available;
      // Rate unknown yet: probe once a second (one request at a time), which shows the refill.
      if (!this.refillPerSecond) {
        if (this.inFlight > 0) return 250;
        const wait = 1000 - (this.now() - this.at);
        if (wait > 0) return wait;
      } else return Math.max(5, Math.ceil((missing / this.refillPerSecond) * 1000));
    }
    this.inFlight++;
    return 0;
  }

  /** Records the remaining count of an answered request (undefined when the response had none). */
  settle(remaining: number | undefined): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    this.answered++;
    if (remaining === undefined || Number.isNaN(remaining)) return;
    const now = this.now();
    this.top = Math.max(this.top, remaining);
    this.remaining = remaining;
    this.at = now;
    // Learn the refill only while the bucket is below its top (a full bucket hides it), over spans of a second or more.
    if (remaining >= this.top - 1) {
      this.sample = undefined;
      return;
    }
    if (!this.sample) {
      this.sample = { at: now, remaining, answered: this.answered };
      return;
    }
    const seconds = (now - this.sample.at) / 1000;
    if (seconds < 1) return;
    const rate = (remaining - this.sample.remaining + (this.answered - this.sample.answered)) / seconds;
    if (rate > 0) this.refillPerSecond = this.refillPerSecond === undefined ? rate : 0.5 * this.refillPerSecond + 0.5 * rate;
    this.sample = { at: now, remaining, answered: this.answered };
  }
}

/** Budgets per subscription and kind, for the whole process (ARM's buckets belong to the principal, whichever client asks). */
export class ArmBudgets {
  private readonly budgets = new Map<string, ArmBudget>();
  constructor(private readonly reserve = 5) {}
  get(subscriptionId: string, kind: ArmOperationKind): ArmBudget {
    const key = `${subscriptionId.toLowerCase()}|${kind}`;
    let budget = this.budgets.get(key);
    if (!budget) this.budgets.set(key, (budget = new ArmBudget(this.reserve)));
    return budget;
  }
  /** Total time requests waited for their budget, for benchmarks and logs. */
  get waitedMs(): number {
    let total = 0;
    for (const b of this.budgets.values()) total += b.waitedMs;
    return total;
  }
}

export const armOperationKind = (method: string): ArmOperationKind =>
  method === "GET" || method === "HEAD" ? "reads" : method === "DELETE" ? "deletes" : "writes";

const SUBSCRIPTION_PATH = /^\/subscriptions\/([^/]+)/i;

export function armBudgetPolicy(budgets: ArmBudgets): PipelinePolicy {
  return {
    name: "flexguardArmBudget",
    async sendRequest(request, next) {
      const url = new URL(request.url);
      const subscriptionId = SUBSCRIPTION_PATH.exec(url.pathname)?.[1];
      if (!subscriptionId) return next(request);
      const kind = armOperationKind(request.method);
      const budget = budgets.get(subscriptionId, kind);
      for (let wait = budget.acquire(); wait > 0; wait = budget.acquire()) {
        budget.waitedMs += wait;
        await sleep(wait, request.abortSignal);
      }
      let remaining: number | undefined;
      try {
        const response = await next(request);
        const header = response.headers.get(`x-ms-ratelimit-remaining-subscription-${kind}`);
        remaining = header === undefined ? undefined : Number(header);
        return response;
      } finally {
        budget.settle(remaining);
      }
    },
  };
}
