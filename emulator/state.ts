// Everything one running emulator holds: the store, its clock, throttling, faults, request
// statistics, and how to rebuild the starting fleet (for /_emulator/reset).
import { EmulatedClock } from "./clock.ts";
import { generateFleet, type GenerateOptions } from "./fleet/generate.ts";
import { type FleetDescription, fleetSchema } from "./fleet/schema.ts";
import { DEFAULT_LIMITS, type LimitsConfig, Throttler } from "./limits.ts";
import { SeededRandom } from "./random.ts";
import { DEFAULT_TIMINGS, EmulatorStore, type Timings } from "./store/store.ts";

export type FleetSource = { kind: "generated"; options: GenerateOptions } | { kind: "described"; fleet: FleetDescription };

export interface Faults {
  /** Share of Azure requests (0..1) that fail with a transient 500 or 503. */
  transientFailureRate: number;
  /** Extra wall-clock latency added to every Azure request, in ms. */
  latencyMs: number;
}

export interface RequestStats {
  total: number;
  byOperation: Record<string, number>;
  throttled: number;
  throttledByOperation: Record<string, number>;
  faultsInjected: number;
  byStatus: Record<string, number>;
}

const emptyStats = (): RequestStats => ({ total: 0, byOperation: {}, throttled: 0, throttledByOperation: {}, faultsInjected: 0, byStatus: {} });

export class EmulatorState {
  readonly clock: EmulatedClock;
  readonly store: EmulatorStore;
  readonly throttler: Throttler;
  faults: Faults = { transientFailureRate: 0, latencyMs: 0 };
  stats: RequestStats = emptyStats();
  private faultRandom: SeededRandom;

  constructor(
    private source: FleetSource,
    options: { timeFactor?: number; limits?: Partial<LimitsConfig>; timings?: Partial<Timings>; faultSeed?: string | number } = {},
  ) {
    this.clock = new EmulatedClock(options.timeFactor ?? 1);
    this.store = new EmulatorStore(this.clock, { ...DEFAULT_TIMINGS, ...options.timings });
    this.throttler = new Throttler({ ...DEFAULT_LIMITS, ...options.limits });
    this.faultRandom = new SeededRandom(`faults:${options.faultSeed ?? 0}`);
    this.loadSource();
  }

  private loadSource(): void {
    const fleet = this.source.kind === "generated" ? generateFleet(this.source.options) : this.source.fleet;
    this.store.load(fleet);
  }

  /** Back to the starting fleet: state changes, statistics, throttling and faults are forgotten. */
  reset(): void {
    this.loadSource();
    this.stats = emptyStats();
    this.throttler.reset();
    this.faults = { transientFailureRate: 0, latencyMs: 0 };
  }

  reseed(options: GenerateOptions): void {
    this.source = { kind: "generated", options };
    this.reset();
  }

  /** Validates and loads a fleet description; throws a zod error naming the bad field. */
  loadFleet(input: unknown): void {
    this.source = { kind: "described", fleet: fleetSchema.parse(input) };
    this.reset();
  }

  get fleetSource(): FleetSource {
    return this.source;
  }

  resetStats(): void {
    this.stats = emptyStats();
  }

  /** Decides, reproducibly, whether this request gets an injected transient fault. */
  drawTransientFault(): 500 | 503 | null {
    if (this.faults.transientFailureRate <= 0) return null;
    if (this.faultRandom.next() >= this.faults.transientFailureRate) return null;
    return this.faultRandom.chance(0.5) ? 500 : 503;
  }
}
