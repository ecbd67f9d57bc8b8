import type { Command } from "commander";
import { pollUntil } from "@/core/poll-until";
import { checkServices } from "@/core/health/check-services";
import { requestScan } from "@/core/inventory/request-scan";
import { isFinished, waitForScan, type ScanRecord } from "@/core/inventory/get-scan";
import { seconds } from "../options";
import { isRemote, remoteApi } from "../remote";

/** flexguard scan [--wait] [--json] [--timeout <s>]: asks the worker for an inventory scan. */
export function registerScanCommand(program: Command): void {
  program
    .command("scan")
    .description("inventory the configured Azure scope (joins a scan already queued or running)")
    .option("--wait", "wait for the scan to finish and print its summary")
    .option("--json", "print machine-readable JSON")
    .option("--timeout <seconds>", "give up waiting after this long", seconds, 600)
    .action(async (opts: { wait?: boolean; json?: boolean; timeout: number }) => {
      const remote = isRemote();
      if (!remote) await checkServices();
      const { scanId, created } = remote
        ? await remoteApi<{ scanId: string; created: boolean }>("POST", "/api/scans", {})
        : await requestScan({ trigger: "cli", requestedBy: process.env.USER });
      if (!opts.wait) {
        print(opts.json, { scanId, created }, `${created ? "Queued" : "Joined running"} scan ${scanId}`);
        return;
      }
      if (!opts.json) console.error(`${created ? "Queued" : "Joined running"} scan ${scanId}; waiting for the worker...`);
      const scan = remote ? await waitRemote(scanId, opts.timeout * 1000) : await waitForScan(scanId, { timeoutMs: opts.timeout * 1000 });
      print(opts.json, summary(scan), describe(scan));
      if (scan.status === "FAILED") process.exitCode = 1;
    });
}

/** Polls the remote API until the scan finishes. */
async function waitRemote(scanId: string, timeoutMs: number): Promise<ScanRecord> {
  type RemoteScan = ScanRecord & { startedAt: string | null; finishedAt: string | null };
  const scan = await pollUntil(`Scan ${scanId}`, () => remoteApi<RemoteScan>("GET", `/api/scans/${scanId}`), (s) => isFinished(s.status), { timeoutMs, intervalMs: 1000 });
  return { ...scan, startedAt: scan.startedAt ? new Date(scan.startedAt) : null, finishedAt: scan.finishedAt ? new Date(scan.finishedAt) : null };
}

function summary(scan: ScanRecord) {
  return {
    scanId: scan.id,
    status: scan.status,
    startedAt: scan.startedAt,
    finishedAt: scan.finishedAt,
    durationMs: scan.startedAt && scan.finishedAt ? scan.finishedAt.getTime() - scan.startedAt.getTime() : null,
    counts: scan.counts,
    error: scan.error,
  };
}

function describe(scan: ScanRecord): string {
  const s = summary(scan);
  const counts = Object.entries((s.counts ?? {}) as Record<string, number>).map(([k, v]) => `${v} ${k}`).join(", ");
  const took = s.durationMs === null ? "" : ` in ${(s.durationMs / 1000).toFixed(1)} s`;
  return `Scan ${s.scanId} ${s.status.toLowerCase()}${took}${counts ? `: ${counts}` : ""}${s.error ? `\n${s.error}` : ""}`;
}

function print(json: boolean | undefined, data: unknown, text: string): void {
  console.log(json ? JSON.stringify(data, null, 2) : text);
}
