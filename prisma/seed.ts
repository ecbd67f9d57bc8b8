// Demo data, idempotent: safe to run on every start. The fleet itself comes from Azure (or the emulator) through
// a scan, so a fresh installation gets its first scan queued here and sees servers as soon as the worker runs.
import { pathToFileURL } from "node:url";
import { db, disconnectDb } from "@/core/db/client";
import { requestScan } from "@/core/inventory/request-scan";
import { closeProducers } from "@/core/queues";

/** Seeds what a fresh installation needs; returns what it did, for the start script to print. */
export async function seed(): Promise<string[]> {
  const done: string[] = [];
  const scans = await db().scan.count();
  if (scans === 0) {
    const { scanId } = await requestScan({ trigger: "seed" });
    done.push(`queued the first inventory scan (${scanId})`);
  }
  return done;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  try {
    const done = await seed();
    console.log(done.length ? `Seeded: ${done.join("; ")}` : "Seed: nothing to do");
  } finally {
    await Promise.allSettled([closeProducers(), disconnectDb()]);
  }
}
