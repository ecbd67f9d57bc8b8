// A test file's own emulator, started in-process (the real HTTPS server) with a fleet the test describes, and
// the product's configuration pointed at it. Call before anything reads the configuration.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startEmulator } from "@/emulator/server";
import { emulatorRequest, type EmulatorTarget } from "./emulator-http";
import { FLEXGUARD_PRINCIPAL } from "../factories/fleet";

export interface OwnEmulator {
  target: EmulatorTarget;
  loadFleet(description: unknown): Promise<void>;
  close(): Promise<void>;
}

type EmulatorOptions = Parameters<typeof startEmulator>[0];

export async function startOwnEmulator(
  fleet: unknown,
  configure: Record<string, string | undefined> = {},
  options: Omit<EmulatorOptions, "fleet" | "port" | "certFile"> = {},
): Promise<OwnEmulator> {
  const certFile = path.join(mkdtempSync(path.join(tmpdir(), "flexguard-emulator-")), "cert.pem");
  const emulator = await startEmulator({ recordDir: process.env.EMULATOR_RECORD_DIR || undefined, ...options, port: 0, certFile, fleet: fleet as EmulatorOptions["fleet"] });
  const target = { url: emulator.url, certFile, principalId: FLEXGUARD_PRINCIPAL };
  const loadFleet = async (description: unknown) => {
    const res = await emulatorRequest(target, "POST", "/_emulator/fleet", description);
    if (res.status !== 200) throw new Error(`loading the fleet failed: ${JSON.stringify(res.body)}`);
  };
  process.env.AZURE_ENDPOINT = emulator.url;
  process.env.EMULATOR_CERT_FILE = certFile;
  process.env.EMULATOR_PRINCIPAL_ID = FLEXGUARD_PRINCIPAL;
  for (const [k, v] of Object.entries(configure)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  return { target, loadFleet, close: () => emulator.close() };
}
