// npm run fidelity [-- <integration test files>]: how faithful the emulator is to Microsoft's published contracts,
// measured on real traffic. Runs the integration suite (or the named files) with every emulator recording each Azure
// exchange it serves (emulator/traffic.ts), sorts the exchanges by the OpenAPI document that describes them (API and
// api-version), and checks each group with Microsoft's validator (`oav validate-traffic`, judged by its JSON report:
// oav 4.0.3 exits 1 even on valid traffic). Exchanges for which no document is kept beside the repository are counted
// and named, never silently passed. Prints one line per document and a closing FIDELITY line.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { OPENAPI_DIR, openapiMissing } from "../tests/support/openapi.ts";

const missing = openapiMissing();
if (missing) {
  console.error(missing);
  process.exit(2);
}

interface Document {
  name: string;
  /** Which recorded URLs it describes (lower-case path without query). */
  matches: (pathname: string, apiVersion: string) => boolean;
  spec: string;
}

const spec = (relative: string) => path.join(OPENAPI_DIR, "specification", relative);
const DOCUMENTS: Document[] = [
  {
    name: "Resource Graph 2024-04-01",
    matches: (p, v) => p.includes("/providers/microsoft.resourcegraph/") && v === "2024-04-01",
    spec: spec("resourcegraph/resource-manager/Microsoft.ResourceGraph/stable/2024-04-01/resourcegraph.json"),
  },
  ...["2026-06-01", "2026-07-01"].map((version) => ({
    name: `Data Protection ${version}`,
    matches: (p: string, v: string) => p.includes("/providers/microsoft.dataprotection/") && v === version,
    spec: spec(`dataprotection/resource-manager/Microsoft.DataProtection/DataProtection/stable/${version}/dataprotection.json`),
  })),
  {
    name: "Authorization role assignments 2022-04-01",
    matches: (p, v) => p.includes("/providers/microsoft.authorization/roleassignments") && v === "2022-04-01",
    spec: spec("authorization/resource-manager/Microsoft.Authorization/stable/2022-04-01/authorization-RoleAssignmentsCalls.json"),
  },
  {
    name: "Deployments 2026-09-01",
    matches: (p, v) => p.includes("/providers/microsoft.resources/deployments") && v === "2026-09-01",
    spec: spec("resources/resource-manager/Microsoft.Resources/deployments/stable/2026-09-01/deployments.json"),
  },
];

interface OavReport {
  coveredOperations: number;
  failedOperations: number;
  errors: { errorCode: string; errorMessage: string; operationId?: string; issueSource?: string }[];
}

const work = mkdtempSync(path.join(os.tmpdir(), "flexguard-fidelity-"));
const recorded = path.join(work, "recorded");
mkdirSync(recorded);
const files = process.argv.slice(2);
console.log(`recording the emulator's traffic of ${files.length ? files.join(", ") : "the integration suite"} into ${recorded}`);
const run = spawnSync(path.join("node_modules", ".bin", "vitest"), ["run", "--project", "integration", ...files], {
  stdio: "inherit",
  env: { ...process.env, EMULATOR_RECORD_DIR: recorded },
});
if (run.status !== 0) console.warn(`the integration run exited with ${run.status}: the traffic it made is still checked`);

const groups = new Map<string, string[]>();
const undocumented = new Map<string, number>();
for (const file of readdirSync(recorded)) {
  const exchange = JSON.parse(readFileSync(path.join(recorded, file), "utf8")) as { liveRequest: { method: string; url: string } };
  const url = new URL(exchange.liveRequest.url);
  const pathname = url.pathname.toLowerCase();
  const version = url.searchParams.get("api-version") ?? "";
  const document = DOCUMENTS.find((d) => d.matches(pathname, version));
  if (document) {
    const list = groups.get(document.name) ?? [];
    list.push(file);
    groups.set(document.name, list);
  } else {
    // Name the kind of call: provider and resource type segments, without ids.
    const provider = /\/providers\/([^/]+\/[^/]+)/.exec(pathname)?.[1] ?? pathname.split("/").slice(0, 2).join("/");
    const key = `${exchange.liveRequest.method} ${provider} api-version=${version || "(none)"}`;
    undocumented.set(key, (undocumented.get(key) ?? 0) + 1);
  }
}

let exchanges = 0;
let violations = 0;
for (const document of DOCUMENTS) {
  const list = groups.get(document.name) ?? [];
  if (list.length === 0) {
    console.log(`${document.name}: no exchanges recorded`);
    continue;
  }
  const dir = path.join(work, document.name.replace(/\W+/g, "-"));
  mkdirSync(dir);
  for (const file of list) renameSync(path.join(recorded, file), path.join(dir, file));
  const reportFile = `${dir}-report.json`;
  try {
    execFileSync(path.join("node_modules", ".bin", "oav"), ["validate-traffic", dir, document.spec, "--jsonReport", reportFile, "-l", "off"], { stdio: "ignore", timeout: 600_000 });
  } catch {
    // judged by the report below
  }
  const report = JSON.parse(readFileSync(reportFile, "utf8")) as OavReport;
  exchanges += list.length;
  violations += report.errors.length;
  console.log(`${document.name}: ${list.length} exchanges, ${report.coveredOperations} operations covered, ${report.failedOperations} failed, ${report.errors.length} violations`);
  for (const error of report.errors.slice(0, 20)) console.log(`  ${error.operationId ?? "?"} ${error.issueSource ?? ""} ${error.errorCode}: ${error.errorMessage}`);
}
const undocumentedCount = [...undocumented.values()].reduce((a, b) => a + b, 0);
if (undocumentedCount) {
  console.log(`${undocumentedCount} exchanges have no document here to check against:`);
  for (const [key, count] of [...undocumented].sort((a, b) => b[1] - a[1])) console.log(`  ${count} x ${key}`);
}
console.log(`FIDELITY exchanges=${exchanges} violations=${violations} unchecked=${undocumentedCount} tests=${run.status === 0 ? "passed" : "failed"}`);
rmSync(work, { recursive: true, force: true });
process.exit(violations === 0 && run.status === 0 ? 0 : 1);
