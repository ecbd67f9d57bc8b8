import type { Command } from "commander";
import { pollUntil } from "@/core/poll-until";
import { SYSTEM_ACTOR } from "@/core/auth/actor";
import { fleetStatus, type FleetStatus } from "@/core/evaluation/fleet-status";
import { requestEvaluation } from "@/core/evaluation/request-evaluation";
import { evaluationFinished, waitForEvaluation } from "@/core/evaluation/wait-for-evaluation";
import { checkServices } from "@/core/health/check-services";
import { seconds } from "../options";
import { isRemote, remoteApi } from "../remote";

/** flexguard evaluate [--wait] [--json] and flexguard status [--json]. */
export function registerEvaluateCommands(program: Command): void {
  program
    .command("evaluate")
    .description("judge every server against the protection rules now (joins an evaluation already queued)")
    .option("--wait", "wait for the evaluation to finish and print its counts")
    .option("--json", "print machine-readable JSON")
    .option("--timeout <seconds>", "give up waiting after this long", seconds, 600)
    .action(async (opts: { wait?: boolean; json?: boolean; timeout: number }) => {
      const remote = isRemote();
      if (!remote) await checkServices();
      const { runId, created } = remote ? await remoteApi<{ runId: string; created: boolean }>("POST", "/api/evaluations", {}) : await requestEvaluation("cli");
      if (!opts.wait) return void console.log(opts.json ? JSON.stringify({ runId, created }) : `${created ? "Queued" : "Joined"} evaluation ${runId}`);
      const run = remote ? await waitRemote(runId, opts.timeout * 1000) : await waitForEvaluation(runId, { timeoutMs: opts.timeout * 1000 });
      if (opts.json) console.log(JSON.stringify(run, null, 2));
      else console.log(`Evaluation ${run.id} ${run.status.toLowerCase()}: ${run.servers} servers, ${run.changed} changed${run.error ? `\n${run.error}` : ""}`);
      if (run.status === "FAILED") process.exitCode = 1;
    });

  program
    .command("status")
    .description("the fleet's protection at a glance: servers per verdict state, last scan and evaluation")
    .option("--json", "print machine-readable JSON")
    .action(async (opts: { json?: boolean }) => {
      const status = isRemote() ? await remoteApi<FleetStatus>("GET", "/api/status") : (await checkServices(), await fleetStatus(SYSTEM_ACTOR));
      if (opts.json) return void console.log(JSON.stringify(status, null, 2));
      const share = status.compliantShare === null ? "n/a" : `${(status.compliantShare * 100).toFixed(1)} %`;
      console.log(`${status.servers} servers, ${status.compliant} compliant, ${status.nonCompliant} not compliant (${share} of those in scope)`);
      for (const [state, n] of Object.entries(status.states).sort((a, b) => b[1] - a[1])) console.log(`  ${state.padEnd(20)} ${n}`);
      console.log(`Last scan: ${status.lastScan ? `${status.lastScan.status.toLowerCase()} ${status.lastScan.finishedAt ?? ""}` : "never"}`);
      console.log(`Last evaluation: ${status.lastEvaluation ? `${status.lastEvaluation.status.toLowerCase()} ${status.lastEvaluation.finishedAt ?? ""}` : "never"}`);
    });
}

function waitRemote(runId: string, timeoutMs: number) {
  type RemoteRun = { id: string; status: string; servers: number; changed: number; error: string | null };
  return pollUntil(`Evaluation ${runId}`, () => remoteApi<RemoteRun>("GET", `/api/evaluations/${runId}`), (run) => evaluationFinished(run.status), { timeoutMs, intervalMs: 1000 });
}
