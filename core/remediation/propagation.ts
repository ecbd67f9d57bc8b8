// How long a new role assignment takes to reach the Backup service, as this process has seen it. Validating before
// then fails with the missing-permission error and costs a write and a long-running operation, so an item that just
// granted roles waits this long first.
//
// Each assignment whose validation had to be retried bounds its propagation: longer than the elapsed time (since the
// grant) at which the last failed validation was sent, not longer than the elapsed time at which the passing one was
// sent. The estimate is the largest of those intervals' midpoints seen, plus a tenth: an item that still validated
// too early widens it (its own retry brings a new, later interval), and nothing ever narrows it, so a slow
// propagation is never forgotten. (Taking the upper ends instead, as before, adds the retry schedule's coarseness to
// every later item: at least a poll interval and a backoff, twice the real propagation with the emulator's timings.)

/** Longest propagation taken into account: Azure documents up to 30 minutes. */
const MAX_MS = 30 * 60_000;

export class PropagationEstimate {
  private estimateMs: number | undefined;

  /** Milliseconds to wait after a grant before validating; undefined until a propagation was seen. */
  get ms(): number | undefined {
    return this.estimateMs;
  }

  /**
   * One assignment's validation failed when sent `failedAfterMs` after its grant (the last such try) and passed when
   * sent `passedAfterMs` after it.
   */
  observe(failedAfterMs: number, passedAfterMs: number): void {
    const low = Math.max(0, Math.min(failedAfterMs, passedAfterMs));
    const high = Math.max(low, passedAfterMs);
    const estimate = Math.min(MAX_MS, ((low + high) / 2) * 1.1);
    this.estimateMs = Math.max(this.estimateMs ?? 0, estimate);
  }
}
