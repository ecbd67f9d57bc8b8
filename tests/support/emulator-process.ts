// Starts the emulator the way the product does, as its own process (npm run emulator), and waits for its
// "listening on" line. Tests then talk to it over real HTTPS like the worker does.
import { spawn, type ChildProcess } from "node:child_process";
import readline from "node:readline";

export interface EmulatorProcess {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

export interface EmulatorProcessArgs {
  servers: number;
  subscriptions: number;
  seed?: number;
  certFile: string;
  principalId: string;
  /** Further emulator flags, e.g. ["--limits", "off"]. */
  extraArgs?: string[];
}

export async function startEmulatorProcess(args: EmulatorProcessArgs): Promise<EmulatorProcess> {
  const proc: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", "emulator/main.ts", "--port", "0", "--servers", String(args.servers), "--subscriptions", String(args.subscriptions),
      "--seed", String(args.seed ?? 1), "--cert-file", args.certFile, "--principal", args.principalId,
      // npm run fidelity: every Azure exchange of the run is kept for Microsoft's validator.
      ...(process.env.EMULATOR_RECORD_DIR ? ["--record-dir", process.env.EMULATOR_RECORD_DIR] : []), ...(args.extraArgs ?? [])],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the emulator did not start within 180 s")), 180_000);
    readline.createInterface({ input: proc.stdout! }).on("line", (line) => {
      const m = line.match(/listening on (https:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    proc.once("exit", (code) => reject(new Error(`the emulator exited with code ${code} before it was ready`)));
  });
  return {
    url,
    port: Number(new URL(url).port),
    pid: proc.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once("exit", () => resolve());
        proc.kill("SIGTERM");
      }),
  };
}
