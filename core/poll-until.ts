/**
 * Reads a record (a scan, an evaluation run, locally or through the API) until it is finished. Postgres rows are
 * the truth about work, so callers that wait poll them rather than listening to the queue.
 */
export async function pollUntil<T extends { status: string }>(
  /** Names the record in errors, e.g. "Scan 1f2e...". */
  what: string,
  read: () => Promise<T | null>,
  finished: (record: T) => boolean,
  { timeoutMs = 10 * 60_000, intervalMs = 250 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const record = await read();
    if (!record) throw new Error(`${what} does not exist`);
    if (finished(record)) return record;
    if (Date.now() > deadline) throw new Error(`${what} did not finish within ${Math.round(timeoutMs / 1000)} s (status ${record.status})`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
