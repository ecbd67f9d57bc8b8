// Conformance: traffic recorded from real client calls to the emulator is validated against
// Microsoft's OpenAPI documents with Microsoft's own validator (oav validate-traffic, judged by its
// JSON report), and the documents' own examples are replayed against the emulator.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROLE } from "@/emulator/roles";
import { type RunningEmulator } from "@/emulator/server";
import { OPENAPI_DIR } from "@/tests/support/openapi";
import { FLEXGUARD, admin, advance, arm, armClient, pollOperation, startTestEmulator, trafficRecorder, writeTraffic } from "./support";

const OPENAPI = path.join(OPENAPI_DIR, "specification");
const SPECS = {
  graph: path.join(OPENAPI, "resourcegraph/resource-manager/Microsoft.ResourceGraph/stable/2024-04-01/resourcegraph.json"),
  dataProtection: path.join(OPENAPI, "dataprotection/resource-manager/Microsoft.DataProtection/DataProtection/stable/2026-06-01/dataprotection.json"),
  authorization: path.join(OPENAPI, "authorization/resource-manager/Microsoft.Authorization/stable/2022-04-01/authorization-RoleAssignmentsCalls.json"),
};
const run = promisify(execFile);

interface OavReport {
  coveredOperations: number;
  failedOperations: number;
  errors: { errorCode: string; errorMessage: string; operationId?: string; issueSource?: string }[];
}

/** oav exits 1 even on valid traffic (a missing HTML template in 4.0.3): the JSON report decides. */
async function validateTraffic(dir: string, spec: string): Promise<OavReport> {
  const report = path.join(dir, "..", `${path.basename(dir)}-report.json`);
  await run("npx", ["oav", "validate-traffic", dir, spec, "--jsonReport", report, "-l", "off"], { timeout: 120_000 }).catch(() => undefined);
  return JSON.parse(readFileSync(report, "utf8")) as OavReport;
}

let emulator: RunningEmulator;
const recorder = trafficRecorder();
const work = mkdtempSync(path.join(os.tmpdir(), "emulator-conformance-"));

beforeAll(async () => {
  emulator = await startTestEmulator({ limits: false });
});
afterAll(async () => emulator?.close());

describe("recorded traffic validates against Microsoft's OpenAPI documents", () => {
  it("Resource Graph, Data Protection and Authorization responses and request bodies", async () => {
    const client = armClient(emulator, FLEXGUARD, recorder.policy);
    const { store } = emulator.state;
    const graph = (body: unknown) => arm(client, emulator, "POST", "/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01", body);
    const first = await graph({ query: "resources | where type =~ 'microsoft.dbforpostgresql/flexibleservers' | project id, name, tags | order by id asc", options: { $top: 50 } });
    await graph({ query: "resources | where type =~ 'microsoft.dbforpostgresql/flexibleservers' | project id, name, tags | order by id asc", options: { $top: 50, $skipToken: first.body.$skipToken } });
    await graph({ query: "resources | take 2 | project id, name", options: { resultFormat: "table" } });
    await graph({ query: "resources | summarize count()" });

    const instance = [...store.backupInstances.values()].find((b) => b.currentProtectionState === "ProtectionConfigured")!;
    const vault = store.vaults.get(instance.vaultKey)!;
    const dp = "api-version=2026-06-01";
    await arm(client, emulator, "GET", `/subscriptions/${vault.subscriptionId}/providers/Microsoft.DataProtection/backupVaults?${dp}`);
    await arm(client, emulator, "GET", `/subscriptions/${vault.subscriptionId}/resourceGroups/${vault.resourceGroup}/providers/Microsoft.DataProtection/backupVaults?${dp}`);
    await arm(client, emulator, "GET", `${vault.id}?${dp}`);
    await arm(client, emulator, "GET", `${vault.id}/backupPolicies?${dp}`);
    const policy = await arm(client, emulator, "GET", `${instance.policyId}?${dp}`);
    // tagInfo.id is read-only: a client sends the policy without it.
    const policyProperties = JSON.parse(JSON.stringify(policy.body.properties, (key, value: unknown) => (key === "id" ? undefined : value))) as unknown;
    await arm(client, emulator, "PUT", `${vault.id}/backupPolicies/pg-weekly-6m?${dp}`, { properties: policyProperties });
    await arm(client, emulator, "GET", `${vault.id}/backupInstances?${dp}`);
    await arm(client, emulator, "GET", `${instance.id}?${dp}`);
    await arm(client, emulator, "GET", `${instance.serverId}/providers/Microsoft.DataProtection/backupInstances?${dp}`);
    const backup = await arm(client, emulator, "POST", `${instance.id}/backup?${dp}`, { backupRuleOptions: { ruleName: "BackupWeekly", triggerOption: { retentionTagOverride: "Default" } } });
    await arm(client, emulator, "GET", backup.headers.location!);
    await pollOperation(client, emulator, backup);
    await arm(client, emulator, "GET", backup.headers.location!);
    const jobs = await arm<{ value: { id: string }[] }>(client, emulator, "GET", `${vault.id}/backupJobs?${dp}`);
    await arm(client, emulator, "GET", `${jobs.body.value[0]!.id}?${dp}`);
    const bi = { objectType: "BackupInstance", dataSourceInfo: instance.dataSourceInfo, policyInfo: { policyId: instance.policyId } };
    await pollOperation(client, emulator, await arm(client, emulator, "POST", `${vault.id}/validateForBackup?${dp}`, { backupInstance: bi }));
    const unprotected = [...store.servers.values()].find((s) => s.location === vault.location && s.subscriptionId === vault.subscriptionId && !store.backupInstancesByServer.get(s.key)?.size)!;
    const biBody = { objectType: "BackupInstance", friendlyName: unprotected.name, dataSourceInfo: { ...instance.dataSourceInfo, resourceID: unprotected.id, resourceName: unprotected.name }, policyInfo: { policyId: instance.policyId } };
    await pollOperation(client, emulator, await arm(client, emulator, "POST", `${vault.id}/validateForBackup?${dp}`, { backupInstance: biBody }));
    const created = await arm(client, emulator, "PUT", `${vault.id}/backupInstances/${unprotected.name}-${unprotected.name}-0f0e0d0c-0b0a-4909-8807-060504030201?${dp}`, { properties: biBody });
    await arm(client, emulator, "GET", created.headers.location!);
    await pollOperation(client, emulator, created);
    await arm(client, emulator, "GET", created.headers.location!);
    await arm(client, emulator, "GET", `${vault.id}/backupInstances/missing?${dp}`);

    const rg = [...store.resourceGroups.values()].find((g) => store.can(FLEXGUARD, "roleAssignmentsWrite", g.id))!;
    const denied = [...store.resourceGroups.values()].find((g) => !store.can(FLEXGUARD, "roleAssignmentsWrite", g.id))!;
    const ra = (scope: string, name: string) => `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}?api-version=2022-04-01`;
    const body = { properties: { roleDefinitionId: `/subscriptions/${rg.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${ROLE.reader}`, principalId: vault.principalId, principalType: "ServicePrincipal" } };
    await arm(client, emulator, "PUT", ra(rg.id, "1d2c3b4a-5f6e-4d7c-8b9a-0f1e2d3c4b5a"), body);
    await arm(client, emulator, "PUT", ra(rg.id, "1d2c3b4a-5f6e-4d7c-8b9a-0f1e2d3c4b5b"), body);
    await arm(client, emulator, "PUT", ra(denied.id, "1d2c3b4a-5f6e-4d7c-8b9a-0f1e2d3c4b5c"), body);
    await arm(client, emulator, "GET", ra(rg.id, "1d2c3b4a-5f6e-4d7c-8b9a-0f1e2d3c4b5a"));
    await arm(client, emulator, "GET", `${rg.id}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=${encodeURIComponent(`principalId eq '${vault.principalId}'`)}`);
    await arm(client, emulator, "GET", `/subscriptions/${rg.subscriptionId}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=atScope()`);
    await arm(client, emulator, "DELETE", ra(rg.id, "1d2c3b4a-5f6e-4d7c-8b9a-0f1e2d3c4b5a"));

    const select = (fragment: RegExp) => (e: { url: string }) => fragment.test(e.url);
    const dirs = {
      graph: writeTraffic(path.join(work, "graph"), recorder.exchanges, emulator.url, select(/Microsoft\.ResourceGraph/i)),
      dataProtection: writeTraffic(path.join(work, "dp"), recorder.exchanges, emulator.url, select(/Microsoft\.DataProtection/i)),
      authorization: writeTraffic(path.join(work, "auth"), recorder.exchanges, emulator.url, select(/Microsoft\.Authorization/i)),
    };
    expect(dirs.graph).toBe(4);
    expect(dirs.dataProtection).toBeGreaterThan(15);
    expect(dirs.authorization).toBe(7);

    const reports = {
      graph: await validateTraffic(path.join(work, "graph"), SPECS.graph),
      dataProtection: await validateTraffic(path.join(work, "dp"), SPECS.dataProtection),
      authorization: await validateTraffic(path.join(work, "auth"), SPECS.authorization),
    };
    for (const [name, report] of Object.entries(reports)) {
      expect(report.errors.map((e) => `${e.operationId ?? ""} ${e.issueSource ?? ""} ${e.errorCode}: ${e.errorMessage}`), name).toEqual([]);
      expect(report.coveredOperations, name).toBeGreaterThan(0);
    }
    expect(reports.dataProtection.coveredOperations).toBeGreaterThanOrEqual(12);
  }, 300_000);
});

describe("the documents' examples, replayed", () => {
  const graphExamples = path.join(path.dirname(SPECS.graph), "examples");

  it("Resource Graph examples: supported queries answer 200, the others 400 naming what is unsupported", async () => {
    const client = armClient(emulator, FLEXGUARD);
    const outcomes: Record<string, string> = {};
    for (const file of readdirSync(graphExamples).sort()) {
      const example = JSON.parse(readFileSync(path.join(graphExamples, file), "utf8")) as { parameters: { query: unknown } };
      const response = await arm<{ error?: { details?: { message: string }[] } }>(client, emulator, "POST", "/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01", example.parameters.query);
      outcomes[file] = response.status === 200 ? "200" : `${response.status} ${response.body.error?.details?.map((d) => d.message).join(" | ")}`;
    }
    expect(outcomes["ResourcesBasicQuery.json"]).toBe("200");
    expect(outcomes["ResourcesFilterQuery.json"]).toBe("200");
    expect(outcomes["ResourcesFirstPageQuery.json"]).toBe("200");
    expect(outcomes["ResourcesRandomPageQuery.json"]).toBe("200");
    expect(outcomes["ResourcesTenantBasicQuery.json"]).toBe("200");
    expect(outcomes["ResourcesMgBasicQuery.json"]).toBe("200");
    expect(outcomes["ResourcesFacetQuery.json"]).toBe("200");
    expect(outcomes["ResourcesSummarizeQuery.json"]).toMatch(/^400 .*'summarize'/);
    expect(outcomes["ResourcesComplexQuery.json"]).toMatch(/^400 .*'summarize'/);
    expect(outcomes["ResourcesPropertiesQuery.json"]).toMatch(/^400 .*'summarize'/);
    // The example's token was made by another service: it is not one of this query's tokens.
    expect(outcomes["ResourcesNextPageQuery.json"]).toMatch(/^400 .*\$skipToken/);
  });

  it("Authorization examples: replayed on a fleet holding their scopes, with the documented status codes and valid bodies", async () => {
    const dir = path.join(path.dirname(SPECS.authorization), "examples");
    const subscriptionId = "a925f2f7-5c63-4b7b-8799-25a5f97bc3b2";
    const caller = "00000000-0000-4000-8000-00000000c0de";
    await admin(emulator, "POST", "fleet", {
      tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
      principals: [{ id: caller, displayName: "Example caller" }, { id: "ce2ce14e-85d7-4629-bdbc-454d0519d987", displayName: "Example principal", type: "User" }],
      subscriptions: [{ subscriptionId, displayName: "examples", resourceGroups: [{ name: "testrg", location: "westus" }] }],
      roleAssignments: [{ scope: "/", name: "00000000-0000-4000-8000-00000000c0d1", principalId: caller, principalType: "User", roleDefinitionId: ROLE.owner }],
    });
    // An order in which each example's documented outcome is the right one (two creates name the same
    // principal and role at the subscription, which Azure answers 409 unless the first is deleted).
    const order = ["CreateById", "Get", "GetById", "ListForScope", "ListForSubscription", "DeleteById", "CreateForSubscription", "CreateForResourceGroup", "CreateForResource", "ListForResourceGroup", "ListForResource", "Delete"];
    const examples = order.map((o) => `RoleAssignments_${o}.json`);
    expect(examples.slice().sort()).toEqual(readdirSync(dir).sort());
    const client = armClient(emulator, caller, recorder.policy);
    const before = recorder.exchanges.length;
    for (const file of examples) {
      const example = JSON.parse(readFileSync(path.join(dir, file), "utf8")) as { parameters: Record<string, unknown>; responses: Record<string, unknown>; operationId?: string };
      const p = example.parameters as Record<string, string> & { parameters?: unknown };
      const base =
        p.roleAssignmentId ? `/${p.roleAssignmentId}`
        : p.scope && p.roleAssignmentName ? `/${p.scope}/providers/Microsoft.Authorization/roleAssignments/${p.roleAssignmentName}`
        : p.scope ? `/${p.scope}/providers/Microsoft.Authorization/roleAssignments`
        : p.resourceName ? `/subscriptions/${p.subscriptionId}/resourceGroups/${p.resourceGroupName}/providers/${p.resourceProviderNamespace}/${p.resourceType}/${p.resourceName}/providers/Microsoft.Authorization/roleAssignments`
        : p.resourceGroupName ? `/subscriptions/${p.subscriptionId}/resourceGroups/${p.resourceGroupName}/providers/Microsoft.Authorization/roleAssignments`
        : `/subscriptions/${p.subscriptionId}/providers/Microsoft.Authorization/roleAssignments`;
      const method = file.includes("Create") ? "PUT" : file.includes("Delete") ? "DELETE" : "GET";
      const response = await arm(client, emulator, method, `${base}?api-version=2022-04-01`, method === "PUT" ? p.parameters : undefined);
      expect(Object.keys(example.responses), `${file} answered ${response.status} ${JSON.stringify(response.body)}`).toContain(String(response.status));
    }
    const written = writeTraffic(path.join(work, "auth-examples"), recorder.exchanges.slice(before), emulator.url, () => true);
    expect(written).toBe(examples.length);
    const report = await validateTraffic(path.join(work, "auth-examples"), SPECS.authorization);
    expect(report.errors, JSON.stringify(report.errors.slice(0, 5))).toEqual([]);
    await admin(emulator, "POST", "reset");
    await advance(emulator, 1);
  }, 120_000);
});
