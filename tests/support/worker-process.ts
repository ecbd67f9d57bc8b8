// Runs the real worker (worker/main.ts) as its own process, the way production does, for benchmarks and
// resilience tests that measure it or kill it.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import readline from "node:readline";
import { parseEnv } from "@/core/config/env";
import { workerNodeArgs } from "@/worker/launch";

export interface WorkerProcess {
  pid: number;
  /** Peak resident set size so far (VmHWM), in MiB. */
  peakRssMiB(): number;
  /** Current resident set size (VmRSS), in MiB. */
  rssMiB(): number;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  output: string[];
}

/** A memory field of /proc/<pid>/status (VmRSS, VmHWM, ...) in MiB; NaN when the process is gone. */
export function statusFieldMiB(pid: number, field: string): number {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return NaN;
  }
  const m = status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
  return m ? Number(m[1]) / 1024 : NaN;
}

export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  // Started as production starts it (worker/launch.ts), with the heap limit the worker's own configuration names.
  const proc: ChildProcess = spawn(process.execPath, workerNodeArgs(parseEnv({ ...process.env, ...env })), {
    stdio: ["ignore", "pipe", "pipe"],
    // No ops endpoint unless a test asks for one: several workers at once must not compete for its port.
    env: { ...process.env, WORKER_METRICS_PORT: "0", ...env },
  });
  const output: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the worker did not start within 60 s:\n${output.join("\n")}`)), 60_000);
    for (const stream of [proc.stdout!, proc.stderr!])
      readline.createInterface({ input: stream }).on("line", (line) => {
        output.push(line);
        if (output.length > 2000) output.shift();
        if (line.includes("worker ready")) {
          clearTimeout(timer);
          resolve();
        }
      });
    proc.once("exit", (code) => reject(new Error(`the worker exited with code ${code}:\n${output.join("\n")}`)));
  });
  return {
    pid: proc.pid!,
    output,
    peakRssMiB: () => statusFieldMiB(proc.pid!, "VmHWM"),
    rssMiB: () => statusFieldMiB(proc.pid!, "VmRSS"),
    stop: (signal = "SIGTERM") =>
      new Promise((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve(proc.exitCode);
        proc.once("exit", (code) => resolve(code));
        proc.kill(signal);
      }),
  };
}
