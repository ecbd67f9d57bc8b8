// npm start (and npm run dev with --dev): brings up the whole product on one machine:
// checks Postgres and Redis, applies migrations, seeds, starts the emulator (unless real Azure is configured),
// the worker and the web app (building it when needed), prints the URL, and stops everything on Ctrl-C.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { env } from "@/core/config/env";
import { disconnectDb } from "@/core/db/client";
import { checkServices } from "@/core/health/check-services";
import { closeProducers } from "@/core/queues";
import { seed } from "../prisma/seed";
import { buildWebApp, webBuildIsStale } from "./web-build";
import { workerNodeArgs } from "../worker/launch";

const dev = process.argv.includes("--dev");
// Next reports telemetry over the network by default; these machines (and many installations) have none.
process.env.NEXT_TELEMETRY_DISABLED ??= "1";
const bin = (name: string) => path.join("node_modules", ".bin", name);
const children: { name: string; proc: ChildProcess }[] = [];
let stopping = false;

function fail(message: string): never {
  console.error(`\n${message}\n`);
  void stop(1);
  throw new Error("unreachable");
}

/** Starts a child process whose output is prefixed with its name; resolves when `ready` matches a line (if given). */
function startChild(name: string, command: string, args: string[], ready?: RegExp, timeoutMs = 120_000): Promise<string> {
  const proc = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env: process.env });
  children.push({ name, proc });
  return new Promise((resolve, reject) => {
    const timer = ready ? setTimeout(() => reject(new Error(`${name} did not become ready within ${timeoutMs / 1000} s`)), timeoutMs) : undefined;
    const onLine = (line: string) => {
      console.log(`[${name}] ${line}`);
      const m = ready && line.match(ready);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    };
    readline.createInterface({ input: proc.stdout! }).on("line", onLine);
    readline.createInterface({ input: proc.stderr! }).on("line", onLine);
    proc.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (!stopping) {
        console.error(`[${name}] exited (${signal ?? `code ${code}`}); stopping Flexguard.`);
        void stop(1);
      }
      reject(new Error(`${name} exited before it was ready`));
    });
    if (!ready) resolve("");
  });
}

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await Promise.all(
    children.map(
      ({ proc }) =>
        new Promise<void>((resolve) => {
          if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
          const kill = setTimeout(() => proc.kill("SIGKILL"), 10_000);
          proc.once("exit", () => {
            clearTimeout(kill);
            resolve();
          });
          proc.kill("SIGTERM");
        }),
    ),
  );
  await Promise.allSettled([closeProducers(), disconnectDb()]);
  process.exit(code);
}

for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.on(signal, () => {
    console.log(`\nStopping Flexguard (${signal})...`);
    void stop(0);
  });

/** A session-signing secret for installations that set none: generated once, kept beside the demo state. */
function ensureAuthSecret(): void {
  if (process.env.AUTH_SECRET) return;
  const file = path.join(".flexguard", "auth-secret");
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString("base64url"), { mode: 0o600 });
  }
  process.env.AUTH_SECRET = readFileSync(file, "utf8").trim();
}

try {
  ensureAuthSecret();
  const config = env();
  // next-auth reads these itself.
  process.env.NEXTAUTH_URL ??= config.AUTH_URL;
  process.env.NEXTAUTH_SECRET ??= config.AUTH_SECRET;
  await checkServices(config, { createDatabase: true });

  const migrate = spawnSync(bin("prisma"), ["migrate", "deploy"], { encoding: "utf8", env: process.env });
  if (migrate.status !== 0) fail(`Applying database migrations failed:\n${migrate.stdout}${migrate.stderr}`);
  console.log("Database migrations applied.");
  const { done, demoUsers } = await seed();
  for (const line of done) console.log(`Seeded: ${line}`);

  if (config.AZURE_MODE === "emulator") {
    await startChild("emulator", process.execPath, [
      "--import", "tsx", "emulator/main.ts",
      "--host", config.EMULATOR_HOST,
      "--port", String(config.EMULATOR_PORT),
      "--servers", String(config.EMULATOR_SERVERS),
      "--subscriptions", String(config.EMULATOR_SUBSCRIPTIONS),
      "--seed", String(config.EMULATOR_SEED),
      "--cert-file", config.EMULATOR_CERT_FILE,
      "--principal", config.EMULATOR_PRINCIPAL_ID,
    ], /listening on https:\/\/\S+/);
  } else {
    console.log(`Using real Azure at ${config.AZURE_ENDPOINT}.`);
  }

  if (!dev && webBuildIsStale()) {
    console.log("Building the web app (next build); this takes a minute the first time...");
    if (!buildWebApp()) fail("The web app build failed (see above).");
  }

  // In dev the worker restarts when its sources change (tsx watch), as the web app hot-reloads.
  await startChild("worker", dev ? bin("tsx") : process.execPath, dev ? ["watch", "--clear-screen=false", "worker/main.ts"] : workerNodeArgs(config), /worker ready/);
  await startChild(
    "web",
    bin("next"),
    [dev ? "dev" : "start", "--hostname", config.WEB_HOST, "--port", String(config.WEB_PORT)],
    /Ready in|started server on|✓ Ready/,
  );
  console.log(`\nFlexguard is running: ${config.AUTH_URL}  (Ctrl-C stops it)`);
  if (demoUsers.length) {
    console.log("Demo accounts (user name / password):");
    for (const u of demoUsers)
      console.log(`  ${u.role.toLowerCase().padEnd(9)} ${u.username} / ${u.password}${u.subscriptions.length ? `  (only subscription ${u.subscriptions.join(", ")})` : ""}`);
  }
  console.log("");
} catch (err) {
  // fail() has already said what is wrong and is stopping; anything else is said here, once, as one paragraph
  // (configuration and service errors are written for people). Not rethrown: no stack trace.
  if (!stopping) {
    console.error(`\n${err instanceof Error ? err.message : String(err)}\n`);
    await stop(1);
  }
}
