// A 429 storm on ARM reads (the emulator's read bucket shrunk to two requests, refilled at three a second, and drained
// by another client of the same principal that Flexguard's own pacing cannot see): every call waits as Retry-After
// says before trying again, the number of requests stays bounded, and all calls finish.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { smallFleet } from "../../factories/fleet";
import { startOwnEmulator, type OwnEmulator } from "../../support/own-emulator";
import { emulatorRequest } from "../../support/emulator-http";

const fleet = smallFleet();
let emulator: OwnEmulator;
const [sub] = fleet.subscriptions.readable as [string, string];

beforeAll(async () => {
  emulator = await startOwnEmulator(fleet.description());
});
afterAll(async () => {
  (await import("@/core/azure/clients")).resetAzureClients();
  await emulator?.close();
});

describe("ARM throttling", () => {
  it("honours Retry-After on 429s, with a bounded number of requests, and every call completes", { timeout: 120_000 }, async () => {
    const { dataProtectionClient } = await import("@/core/azure/clients");
    const { onAzureCall } = await import("@/core/azure/call-log");
    const res = await emulatorRequest(emulator.target, "POST", "/_emulator/limits", { enabled: true, readsBucketSize: 2, readsPerSecond: 3 });
    expect(res.status).toBe(200);
    const attempts = new Map<string, { at: number; status: number | null }[]>();
    const stop = onAzureCall((call) => {
      const list = attempts.get(call.path.split("?")[0]!) ?? [];
      list.push({ at: Date.now(), status: call.status });
      attempts.set(call.path.split("?")[0]!, list);
    });
    // ARM's buckets belong to the principal: a neighbour (another tool using the same identity) drains the read
    // bucket for two seconds, so Flexguard's calls meet 429s however well it paces its own requests.
    const neighbourPath = `/subscriptions/${sub}/resourceGroups/rg-backup/providers/Microsoft.DataProtection/backupVaults/neighbour?api-version=2025-07-01`;
    const drainUntil = Date.now() + 2_000;
    const drain = async () => {
      while (Date.now() < drainUntil) await emulatorRequest(emulator.target, "GET", neighbourPath);
    };
    const neighbour = Promise.all([drain(), drain()]);
    const calls = 8;
    const client = dataProtectionClient(sub);
    // Distinct vault names, so each call's attempts can be told apart; a missing vault is a read like any other.
    const outcomes = await Promise.all(
      Array.from({ length: calls }, (_, i) => client.backupVaults.get("rg-backup", `bv-storm-${i}`).then(() => "found", (err: { statusCode?: number }) => String(err.statusCode))),
    );
    stop();
    await neighbour;
    expect(outcomes).toEqual(Array(calls).fill("404"));
    const all = [...attempts.values()].flat();
    const throttled = all.filter((a) => a.status === 429).length;
    expect(throttled).toBeGreaterThan(0);
    // Bounded: each call made at most the pipeline's 1 + 4 attempts, far fewer in total than a retry storm.
    expect(all.length).toBeLessThanOrEqual(calls * 5);
    // After each 429 the next attempt of the same call waited for Retry-After (at least 1 s here).
    for (const list of attempts.values())
      for (let i = 1; i < list.length; i++) if (list[i - 1]!.status === 429) expect(list[i]!.at - list[i - 1]!.at).toBeGreaterThanOrEqual(900);
    console.log(`429 storm: ${calls} calls, ${all.length} requests, ${throttled} throttled`);
  });
});
