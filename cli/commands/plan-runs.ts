// flexguard plan run|status|pause|resume|cancel|retry: start and steer a remediation run, locally or through a
// remote Flexguard's API, and follow it (--wait) until it ends or pauses.
import type { Command } from "commander";
import type { Actor } from "@/core/auth/actor";
import { checkServices } from "@/core/health/check-services";
import { pollUntil } from "@/core/poll-until";
import { cancelRun, pauseRun, resumeRun, retryRun, startRun, type RunControlResult } from "@/core/remediation/run-control";
import { getRunProgress, isRunSettled, type RunProgress } from "@/core/remediation/run-progress";
import { seconds } from "../options";
import { isRemote, remoteApi, remoteDownload } from "../remote";
import { planCommand } from "./plans";

/** Locally the CLI acts with full rights, as whoever runs it on the Flexguard host; the audit log says so. */
const cliActor = (): Actor => ({ kind: "system", userId: null, label: `cli:${process.env.USER ?? "unknown"}`, role: "ADMIN", subscriptions: null, sourceIp: null });

/** The run's progress: locally from Postgres, remotely the first event of the events stream. */
async function readProgress(planId: string): Promise<RunProgress | null> {
  if (!isRemote()) return getRunProgress(planId);
  const res = await remoteDownload(`/api/plans/${planId}/events`);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (value) text += decoder.decode(value, { stream: true });
      const m = /event: progress\ndata: (.*)\n\n/.exec(text);
      if (m) return JSON.parse(m[1]!) as RunProgress;
      if (done) return null;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

const eta = (s: number | null) => (s === null ? "" : s < 120 ? `, about ${s} s left` : `, about ${Math.round(s / 60)} min left`);

function line(p: RunProgress): string {
  const counts = Object.entries(p.counts).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k.toLowerCase()}`).join(", ");
  return `${p.status.toLowerCase()}${p.pauseReason ? ` (${p.pauseReason})` : ""}: ${p.done}/${p.total} done (${p.percent}%)${p.status === "RUNNING" ? eta(p.etaSeconds) : ""}; ${counts}`;
}

/** Follows the run until it ends or pauses, printing a line whenever its progress changes. Exit 1 unless it succeeded. */
async function follow(planId: string, opts: { json?: boolean; timeout: number }): Promise<void> {
  let last = "";
  const final = await pollUntil(
    `Plan ${planId}`,
    async () => {
      const p = await readProgress(planId);
      if (p && !opts.json) {
        const text = line(p);
        if (text.replace(/, about .* left/, "") !== last.replace(/, about .* left/, "")) console.error(text);
        last = text;
      }
      return p;
    },
    (p) => isRunSettled(p.status),
    { timeoutMs: opts.timeout * 1000, intervalMs: isRemote() ? 2_000 : 1_000 },
  );
  if (opts.json) console.log(JSON.stringify(final, null, 2));
  else console.log(line(final));
  if (final.status !== "SUCCEEDED") process.exitCode = 1;
}

export function registerPlanRunCommands(program: Command): void {
  const plan = planCommand(program);
  type Action = "run" | "pause" | "resume" | "cancel" | "retry";
  const local: Record<Action, (planId: string, reason?: string) => Promise<RunControlResult>> = {
    run: (id) => startRun(cliActor(), id),
    pause: (id, reason) => pauseRun(cliActor(), id, reason),
    resume: (id) => resumeRun(cliActor(), id),
    cancel: (id) => cancelRun(cliActor(), id),
    retry: (id) => retryRun(cliActor(), id),
  };
  const described: Record<Action, string> = {
    run: "start an approved plan (its approval current and matching its content)",
    pause: "pause a running plan: in-flight steps finish, nothing new starts",
    resume: "resume a paused plan",
    cancel: "cancel a plan: pending items are cancelled, in-flight steps finish",
    retry: "retry the failed items of a run (finished steps are not repeated)",
  };
  for (const action of Object.keys(local) as Action[]) {
    const cmd = plan
      .command(`${action} <planId>`)
      .description(described[action])
      .option("--json", "print machine-readable JSON");
    if (action === "pause") cmd.option("--reason <text>", "why (shown with the paused run)");
    if (action !== "pause" && action !== "cancel") cmd.option("--wait", "follow the run until it ends or pauses (exit 1 unless it succeeded)").option("--timeout <seconds>", "give up waiting after this long", seconds, 24 * 3600);
    cmd.action(async (planId: string, opts: { json?: boolean; wait?: boolean; timeout: number; reason?: string }) => {
      const remote = isRemote();
      if (!remote) await checkServices();
      const result = remote ? await remoteApi<RunControlResult>("POST", `/api/plans/${planId}/${action}`, action === "pause" && opts.reason ? { reason: opts.reason } : {}) : await local[action](planId, opts.reason);
      if (!opts.wait) return void console.log(opts.json ? JSON.stringify(result, null, 2) : `Plan ${planId} is ${result.status.toLowerCase()}.`);
      if (!opts.json) console.error(`Plan ${planId} is ${result.status.toLowerCase()}; following it (Ctrl-C stops following, not the run).`);
      await follow(planId, { json: opts.json, timeout: opts.timeout });
    });
  }

  plan
    .command("status <planId>")
    .description("a run's progress: status, counts per outcome, share done, ETA")
    .option("--wait", "follow the run until it ends or pauses (exit 1 unless it succeeded)")
    .option("--timeout <seconds>", "give up waiting after this long", seconds, 24 * 3600)
    .option("--json", "print machine-readable JSON")
    .action(async (planId: string, opts: { wait?: boolean; json?: boolean; timeout: number }) => {
      if (!isRemote()) await checkServices();
      if (opts.wait) return follow(planId, opts);
      const p = await readProgress(planId);
      if (!p) throw new Error(`There is no plan ${planId}`);
      console.log(opts.json ? JSON.stringify(p, null, 2) : line(p));
    });
}
