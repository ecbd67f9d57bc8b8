// Runs the real web app (`next start` on the production build in .next) as its own process, the way npm start does,
// for benchmarks that measure it. The build is made first when it is missing or older than its sources.
import { spawn, type ChildProcess } from "node:child_process";
import readline from "node:readline";
import { buildWebApp, webBuildIsStale } from "../../scripts/web-build";
import { freePort } from "./free-port";
import { statusFieldMiB } from "./worker-process";

export interface WebProcess {
  url: string;
  pid: number;
  /** Current resident set size (VmRSS), in MiB. */
  rssMiB(): number;
  /** Peak resident set size so far (VmHWM), in MiB. */
  peakRssMiB(): number;
  stop(): Promise<void>;
  output: string[];
}

/** Builds the web app when its build is stale (output to stderr); returns whether it built. */
export function ensureWebBuild(): boolean {
  if (!webBuildIsStale()) return false;
  console.error("building the web app (next build)...");
  if (!buildWebApp(["ignore", process.stderr, process.stderr])) throw new Error("next build failed (see its output above)");
  return true;
}

/** Starts `next start` on a free port with `env` (DATABASE_URL, QUEUE_PREFIX, AUTH_SECRET, ...) and waits until it is ready. */
export async function startWebProcess(env: Record<string, string>): Promise<WebProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc: ChildProcess = spawn(process.execPath, ["node_modules/next/dist/bin/next", "start", "--hostname", "127.0.0.1", "--port", String(port)], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", AUTH_URL: url, NEXTAUTH_URL: url, WEB_HOST: "127.0.0.1", WEB_PORT: String(port), ...env, ...(env.AUTH_SECRET ? { NEXTAUTH_SECRET: env.AUTH_SECRET } : {}) },
  });
  const output: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the web app did not start within 120 s:\n${output.join("\n")}`)), 120_000);
    for (const stream of [proc.stdout!, proc.stderr!])
      readline.createInterface({ input: stream }).on("line", (line) => {
        output.push(line);
        if (output.length > 2000) output.shift();
        if (/Ready in|✓ Ready/.test(line)) {
          clearTimeout(timer);
          resolve();
        }
      });
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the web app exited with code ${code}:\n${output.join("\n")}`));
    });
  });
  return {
    url,
    pid: proc.pid!,
    output,
    rssMiB: () => statusFieldMiB(proc.pid!, "VmRSS"),
    peakRssMiB: () => statusFieldMiB(proc.pid!, "VmHWM"),
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        const kill = setTimeout(() => proc.kill("SIGKILL"), 15_000);
        proc.once("exit", () => {
          clearTimeout(kill);
          resolve();
        });
        proc.kill("SIGTERM");
      }),
  };
}
