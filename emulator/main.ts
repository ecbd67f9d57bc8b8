// npm run emulator -- --port 4010 --servers 1200 --subscriptions 12 --seed 1 [--host 127.0.0.1]
//   [--cert-file .flexguard/emulator-cert.pem] [--fleet file.json] [--time-factor 1] [--limits on|off] [--principal <guid>]
//   [--record-dir <dir>] (every Azure exchange written there in oav's traffic format, for `npm run fidelity`)
// Prints exactly one line, `listening on https://127.0.0.1:<port>`, once it accepts requests;
// closes cleanly on SIGTERM/SIGINT.
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { z } from "zod";
import { FLEXGUARD_PRINCIPAL_ID } from "./fleet/generate.ts";
import { type FleetDescriptionInput } from "./fleet/schema.ts";
import { startEmulator } from "./server.ts";

const flagsSchema = z.object({
  port: z.coerce.number({ error: "--port must be a number" }).int().min(0).max(65535).default(4010),
  host: z.string().min(1).default("127.0.0.1"),
  servers: z.coerce.number({ error: "--servers must be a number" }).int().min(0).max(100_000).default(1200),
  subscriptions: z.coerce.number({ error: "--subscriptions must be a number" }).int().min(1).max(500).default(12),
  seed: z.string().min(1).default("1"),
  "cert-file": z.string().min(1).default(".flexguard/emulator-cert.pem"),
  fleet: z.string().min(1).optional(),
  "time-factor": z.coerce.number({ error: "--time-factor must be a number" }).positive().default(1),
  limits: z.enum(["on", "off"], { error: "--limits must be 'on' or 'off'" }).default("on"),
  principal: z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, "--principal must be a GUID").default(FLEXGUARD_PRINCIPAL_ID),
  log: z.boolean().default(false),
  "record-dir": z.string().min(1).optional(),
});

function fail(message: string): never {
  process.stderr.write(`emulator: ${message}\n`);
  process.exit(2);
}

let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: "string" },
      host: { type: "string" },
      servers: { type: "string" },
      subscriptions: { type: "string" },
      seed: { type: "string" },
      "cert-file": { type: "string" },
      fleet: { type: "string" },
      "time-factor": { type: "string" },
      limits: { type: "string" },
      principal: { type: "string" },
      log: { type: "boolean" },
      "record-dir": { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  }));
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}

const parsed = flagsSchema.safeParse(values);
if (!parsed.success) {
  const issue = parsed.error.issues[0]!;
  const flag = String(issue.path[0] ?? "");
  fail(issue.message.startsWith("--") ? issue.message : `--${flag}: ${issue.message}`);
}
const flags = parsed.data;

let fleet: unknown;
if (flags.fleet) {
  try {
    fleet = JSON.parse(await readFile(flags.fleet, "utf8"));
  } catch (error) {
    fail(`--fleet: cannot read ${flags.fleet}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

let emulator: Awaited<ReturnType<typeof startEmulator>>;
try {
  emulator = await startEmulator({
    host: flags.host,
    port: flags.port,
    servers: flags.servers,
    subscriptions: flags.subscriptions,
    seed: /^\d+$/.test(flags.seed) ? Number(flags.seed) : flags.seed,
    certFile: flags["cert-file"],
    fleet: fleet as FleetDescriptionInput | undefined,
    timeFactor: flags["time-factor"],
    limits: flags.limits === "on",
    flexguardPrincipalId: flags.principal,
    log: flags.log,
    recordDir: flags["record-dir"],
  });
} catch (error) {
  if (error instanceof z.ZodError) {
    const issue = error.issues[0]!;
    fail(`--fleet: invalid fleet description at '${issue.path.join(".")}': ${issue.message}`);
  }
  fail(error instanceof Error ? error.message : String(error));
}

process.stdout.write(`listening on ${emulator.url}\n`);

let closing = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
