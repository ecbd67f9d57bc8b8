/** Whether an error means Postgres could not be reached (connection refused or reset, timed out, gone mid-query). */
export function isDatabaseDown(err: unknown): boolean {
  const text = `${(err as { code?: string })?.code ?? ""} ${(err as Error)?.message ?? ""} ${((err as { cause?: Error })?.cause as { code?: string } | undefined)?.code ?? ""}`;
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|P1001|P1002|P1017|P2024|Can't reach database|Connection terminated|connection timeout|Timed out fetching a new connection|server closed the connection/i.test(text);
}
