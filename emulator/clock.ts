// Emulated time. Everything that takes time in Azure (long-running operations, RBAC propagation,
// Resource Graph lag, scheduled backups) is measured on this clock, which runs `timeFactor` times
// faster than the wall clock and can be pushed forward by the admin API, so tests need not wait.

export class EmulatedClock {
  private baseRealMs: number;
  private baseEmulatedMs: number;

  constructor(
    private factor = 1,
    startMs = Date.now(),
  ) {
    this.baseRealMs = Date.now();
    this.baseEmulatedMs = startMs;
  }

  now(): number {
    return this.baseEmulatedMs + (Date.now() - this.baseRealMs) * this.factor;
  }

  nowIso(): string {
    return new Date(this.now()).toISOString();
  }

  get timeFactor(): number {
    return this.factor;
  }

  /** Changes the speed from now on without a jump in emulated time. */
  setTimeFactor(factor: number): void {
    this.baseEmulatedMs = this.now();
    this.baseRealMs = Date.now();
    this.factor = factor;
  }

  advance(ms: number): void {
    this.baseEmulatedMs += ms;
  }

  /** Wall-clock seconds until an emulated instant, for Retry-After headers (at least 1 s, as ARM never says 0). */
  realSecondsUntil(emulatedMs: number): number {
    const remaining = (emulatedMs - this.now()) / this.factor / 1000;
    return Math.max(1, Math.min(60, Math.ceil(remaining)));
  }
}
