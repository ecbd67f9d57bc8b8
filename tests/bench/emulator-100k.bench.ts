// emulator-100k: with limits off, a full scan of a 100,000-server fleet (500 subscriptions) through
// the product's Resource Graph servers query, paged 1,000 rows at a time over real HTTPS, must be
// served at >= 20,000 rows/s, and the emulator must hold the fleet in < 1 GiB. The emulator runs as
// its own process (npm run emulator), as the product runs it, so its RSS is measured alone.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { request } from "node:https";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { runBench } from "./harness.ts";

const SERVERS = 100_000;
const SUBSCRIPTIONS = 500;
const QUERY = `resources
| where type =~ 'microsoft.dbforpostgresql/flexibleservers'
| project id, name, location, resourceGroup, subscriptionId, tags, version = tostring(properties.version), state = tostring(properties.state), skuName = tostring(sku.name), skuTier = tostring(sku.tier)
| order by id asc`;

const certFile = path.join(mkdtempSync(path.join(os.tmpdir(), "emulator-bench-")), "cert.pem");
const started = Date.now();
const child = spawn(
  process.execPath,
  ["--import", "tsx", "emulator/main.ts", "--port", "0", "--servers", String(SERVERS), "--subscriptions", String(SUBSCRIPTIONS), "--seed", "1", "--limits", "off", "--cert-file", certFile],
  { stdio: ["ignore", "pipe", "inherit"] },
);
const url = await new Promise<string>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error("emulator did not start within 180 s")), 180_000);
  readline.createInterface({ input: child.stdout! }).on("line", (line) => {
    const match = /listening on (https:\/\/\S+)/.exec(line);
    if (match) {
      clearTimeout(timer);
      resolve(match[1]!);
    }
  });
  child.once("exit", (code) => reject(new Error(`emulator exited with ${code}`)));
});
const startupSeconds = (Date.now() - started) / 1000;
const ca = readFileSync(certFile);
const encode = (v: object) => Buffer.from(JSON.stringify(v)).toString("base64url");
const token = `${encode({ alg: "none", typ: "JWT" })}.${encode({ oid: "00000000-0000-4000-8000-00000000f1e9", tid: "00000000-0000-4000-8000-0000000000e1" })}.`;

function post(body: object): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL("/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01", url),
      { method: "POST", ca, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

/** The emulator's resident memory from /proc (Linux), in MiB. */
function emulatorRssMiB(): number {
  const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) / 1024 : NaN;
}

let lastRows = 0;
let peakRss = 0;
try {
  await runBench({
    name: "emulator-100k",
    metric: "rows_per_s",
    unit: "rows/s",
    bound: 20_000,
    lowerIsBetter: false,
    repeats: 3,
    sample: async (iteration) => {
      // A fresh query text per sample, so each sample pays for the query itself, not a cached result.
      const query = `${QUERY}\n// sample ${iteration}`;
      const begin = performance.now();
      let rows = 0;
      let skipToken: string | undefined;
      do {
        const res = await post({ query, options: { $top: 1000, ...(skipToken ? { $skipToken: skipToken } : {}) } });
        if (res.status !== 200) throw new Error(`status ${res.status}: ${res.text.slice(0, 300)}`);
        const body = JSON.parse(res.text) as { data: unknown[]; $skipToken?: string };
        rows += body.data.length;
        skipToken = body.$skipToken;
      } while (skipToken);
      const seconds = (performance.now() - begin) / 1000;
      if (rows !== SERVERS) throw new Error(`scan returned ${rows} rows, expected ${SERVERS}`);
      lastRows = rows;
      peakRss = Math.max(peakRss, emulatorRssMiB());
      return rows / seconds;
    },
    extra: () => ({
      rows_per_scan: lastRows,
      emulator_rss_mib: Math.round(peakRss),
      rss_bound_mib: 1024,
      rss_ok: String(peakRss < 1024),
      startup_s: startupSeconds.toFixed(1),
    }),
  });
} finally {
  child.kill("SIGTERM");
}
if (peakRss >= 1024) {
  console.error(`emulator RSS ${Math.round(peakRss)} MiB is over the 1 GiB bound`);
  process.exitCode = 1;
}
