// The run commands as an operator types them: flexguard plan run <id> --wait follows the run to its end,
// plan status prints it, and a control the plan's state does not allow fails with the reason.
import { spawn } from "node:child_process";
import type { Worker } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApprovedPlan } from "../../factories/plans";
import { loadCore } from "../../support/in-process-worker";
import { setUpFleet, type RemediationSetup } from "./support";

let setup: RemediationSetup;
let workers: Worker[] = [];

function flexguard(args: string[], timeoutMs = 120_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ["--import", "tsx", "cli/main.ts", ...args], { env: { ...process.env, LOG_LEVEL: "error" } });
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    proc.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`flexguard ${args.join(" ")} did not end within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    proc.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  setup = await setUpFleet({ subscriptions: 1, serversPerSubscription: 3, rolesMissingEvery: 2 });
  const { startRemediateItemProcessor } = await import("@/worker/processors/remediation");
  workers = [startRemediateItemProcessor()];
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  const { closeProducers, disconnectDb } = await loadCore();
  await closeProducers();
  await disconnectDb();
  await setup?.emulator.close();
});

describe("flexguard plan run|status|pause", () => {
  it("runs a plan to its end with --wait, reports it with status, and refuses to pause a finished run", { timeout: 240_000 }, async () => {
    const { db } = await loadCore();
    const { planId } = await createApprovedPlan(db(), { servers: setup.servers });
    const run = await flexguard(["plan", "run", planId, "--wait"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^succeeded: 3\/3 done \(100%\); 3 succeeded/m);
    expect(run.stderr).toMatch(/following it/);

    const status = await flexguard(["plan", "status", planId, "--json"]);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ planId, status: "SUCCEEDED", done: 3, total: 3, counts: { SUCCEEDED: 3 } });

    const pause = await flexguard(["plan", "pause", planId]);
    expect(pause.code).toBe(1);
    expect(pause.stderr).toMatch(/CONFLICT: Plan .* is SUCCEEDED: only a RUNNING plan can be paused/);
  });
});
