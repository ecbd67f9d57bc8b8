// templates-10k: the zip pack of per-server role-assignment templates for 10,000 servers, streamed as an HTTP
// download on loopback, must start arriving at once and end in under 5 s. One sample = one GET: the handler
// streams streamZipPack into the response; the client reads every byte. Reported: total time (bound 5 s), and
// time to first byte (bound 0.5 s), medians of 5 downloads, with the process's CPU time per download beside them
// (these machines are shared: CPU time says what the pack costs when wall time says how busy the machine was).
// The pack is stored, not deflated (ZipPackOptions.compress explains why); its gzip size is printed too.
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pipeline } from "node:stream/promises";
import { gzipSync } from "node:zlib";
import { streamZipPack, zipPackFileName } from "@/core/templates/stream-zip-pack";
import { contentDisposition } from "@/core/templates/safe-file-name";
import type { ServerRoleGrant } from "@/core/templates/types";
import { ROLE_GUID } from "@/tests/factories/fleet";
import { serverArmId } from "@/tests/factories/templates";
import { median, reportFigure, runBench } from "./harness";

const SERVERS = 10_000;
const SUBSCRIPTIONS = 20;
const GROUPS_PER_SUBSCRIPTION = 25;
const REPEATS = 5;

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
const guid = (n: number, prefix: string) => `${prefix}-${hex(n % 0x10000, 4)}-4${hex(n % 0x1000, 3)}-8${hex(n % 0x1000, 3)}-${hex(n, 12)}`;

/** 10,000 servers in 500 resource groups of 20 subscriptions, a vault per subscription; some names hostile. */
function grants(): ServerRoleGrant[] {
  return Array.from({ length: SERVERS }, (_, i) => {
    const subscriptionId = guid(i % SUBSCRIPTIONS, "5ab5c41d");
    const resourceGroup = i % 97 === 0 ? `rg-o'neil (ü) ${i % GROUPS_PER_SUBSCRIPTION}` : `rg-${hex(Math.floor(i / SUBSCRIPTIONS) % GROUPS_PER_SUBSCRIPTION, 3)}`;
    const name = i % 89 === 0 ? `pg-[${i}]'"<x>` : `pg-${hex(i, 5)}`;
    const armId = serverArmId(subscriptionId, resourceGroup, name);
    return {
      server: { armId, name, subscriptionId, resourceGroup },
      vault: { armId: `/subscriptions/${subscriptionId}/resourceGroups/rg-backup/providers/Microsoft.DataProtection/backupVaults/bv-weu`, principalId: guid(i % SUBSCRIPTIONS, "3c2b1a09") },
      missingRoles:
        i % 5 === 0
          ? [{ roleDefinitionGuid: ROLE_GUID.ltr, scope: armId }]
          : [
              { roleDefinitionGuid: ROLE_GUID.ltr, scope: armId },
              { roleDefinitionGuid: ROLE_GUID.reader, scope: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}` },
            ],
      rule: { id: "2d9c3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", name: "Production databases", revision: 4 },
    };
  });
}

const input = grants();
let bytes = 0;
let gzipBytes = 0;
const firstByteMs: number[] = [];
const cpuMs: number[] = [];

const server: Server = createServer((req, res) => {
  res.writeHead(200, { "content-type": "application/zip", "content-disposition": contentDisposition(zipPackFileName()) });
  pipeline(streamZipPack(input, { backupRoleScope: "server" }), res).catch((error: unknown) => res.destroy(error as Error));
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const { port } = server.address() as AddressInfo;

function download(keepBody: boolean): Promise<{ firstByteMs: number; totalMs: number; bytes: number; body: Buffer[] }> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    request({ host: "127.0.0.1", port, path: "/pack.zip" }, (res) => {
      let first = -1;
      let size = 0;
      const body: Buffer[] = [];
      res.on("data", (chunk: Buffer) => {
        if (first < 0) first = performance.now() - start;
        size += chunk.length;
        if (keepBody) body.push(chunk);
      });
      res.on("end", () => resolve({ firstByteMs: first, totalMs: performance.now() - start, bytes: size, body }));
      res.on("error", reject);
    })
      .on("error", reject)
      .end();
  });
}

await runBench({
  name: "templates-10k",
  metric: "total",
  unit: "ms",
  bound: 5000,
  lowerIsBetter: true,
  repeats: REPEATS,
  sample: async () => {
    const cpuBefore = process.cpuUsage();
    const result = await download(gzipBytes === 0);
    const cpu = process.cpuUsage(cpuBefore);
    cpuMs.push((cpu.user + cpu.system) / 1000);
    bytes = result.bytes;
    if (gzipBytes === 0) gzipBytes = gzipSync(Buffer.concat(result.body)).length;
    firstByteMs.push(result.firstByteMs);
    console.log(`    first byte after ${result.firstByteMs.toFixed(1)} ms, ${(result.bytes / 2 ** 20).toFixed(2)} MiB, CPU ${cpuMs.at(-1)!.toFixed(0)} ms`);
    return result.totalMs;
  },
  extra: () => ({
    servers: SERVERS,
    zipBytes: bytes,
    gzipBytes,
    firstByteMedianMs: Math.round(median(firstByteMs) * 10) / 10,
    cpuMedianMs: Math.round(median(cpuMs)),
  }),
});
reportFigure({ name: "templates-10k", metric: "first_byte", unit: "ms", bound: 500, value: median(firstByteMs), lowerIsBetter: true });
server.close();
