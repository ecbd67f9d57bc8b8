// Resource Graph through the official @azure/arm-resourcegraph client: the product's scan query,
// paging, scoping, hostile values, errors, quota and the lag behind direct ARM writes.
import { request } from "node:https";
import { ResourceGraphClient } from "@azure/arm-resourcegraph";
import { type ServiceClientOptions } from "@azure/core-client";
import { RestError } from "@azure/core-rest-pipeline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HOSTILE_VALUES } from "@/emulator/fleet/generate";
import { type RunningEmulator } from "@/emulator/server";
import { ARM_SCOPE, FLEXGUARD, admin, arm, armClient, credentialFor, startTestEmulator } from "./support";

const SERVERS_QUERY = `resources
| where type =~ 'microsoft.dbforpostgresql/flexibleservers'
| project id, name, location, resourceGroup, subscriptionId, tags, version = tostring(properties.version), state = tostring(properties.state), skuName = tostring(sku.name), skuTier = tostring(sku.tier)
| order by id asc`;

let emulator: RunningEmulator;
let graph: ResourceGraphClient;

function graphClient(principalId: string, maxRetries = 0): ResourceGraphClient {
  const options: ServiceClientOptions = { endpoint: emulator.url, tlsOptions: { ca: emulator.certPem }, credentialScopes: [ARM_SCOPE], retryOptions: { maxRetries } };
  return new ResourceGraphClient(credentialFor(principalId), options);
}

async function allRows<T>(query: string, subscriptions?: string[], top = 1000): Promise<T[]> {
  const rows: T[] = [];
  let skipToken: string | undefined;
  do {
    const page = await graph.resources({ query, subscriptions, options: { top, skipToken, resultFormat: "objectArray" } });
    rows.push(...(page.data as T[]));
    skipToken = page.skipToken;
    expect(page.resultTruncated).toBe("false");
  } while (skipToken);
  return rows;
}

beforeAll(async () => {
  emulator = await startTestEmulator({ limits: { enabled: false } });
  graph = graphClient(FLEXGUARD);
});
afterAll(async () => emulator?.close());

describe("the product's server scan", () => {
  it("pages every server exactly once, in id order, with Azure's paging fields", async () => {
    const first = await graph.resources({ query: SERVERS_QUERY, options: { top: 100 } });
    expect(first.totalRecords).toBe(240);
    expect(first.count).toBe(100);
    expect(first.resultTruncated).toBe("false");
    expect(first.skipToken).toEqual(expect.any(String));
    const rows = await allRows<{ id: string; version: string; state: string; skuTier: string; tags: Record<string, string> }>(SERVERS_QUERY, undefined, 100);
    expect(rows).toHaveLength(240);
    expect(new Set(rows.map((r) => r.id)).size).toBe(240);
    const ids = rows.map((r) => r.id);
    expect(ids).toEqual([...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(rows.every((r) => /^1[1-7]$/.test(r.version) && ["Burstable", "GeneralPurpose", "MemoryOptimized"].includes(r.skuTier))).toBe(true);
    expect(rows.some((r) => r.state !== "Ready")).toBe(true);
  });

  it("covers only the subscriptions named in the request", async () => {
    const everything = await allRows<{ subscriptionId: string }>(SERVERS_QUERY);
    const one = everything[0]!.subscriptionId;
    const subset = await allRows<{ subscriptionId: string }>(SERVERS_QUERY, [one]);
    expect(subset.length).toBeGreaterThan(0);
    expect(subset.length).toBeLessThan(everything.length);
    expect(subset.every((r) => r.subscriptionId === one)).toBe(true);
  });

  it("is deterministic: the same seed serves the same fleet", async () => {
    const other = await startTestEmulator({ limits: false });
    try {
      const options: ServiceClientOptions = { endpoint: other.url, tlsOptions: { ca: other.certPem }, credentialScopes: [ARM_SCOPE] };
      const client = new ResourceGraphClient(credentialFor(FLEXGUARD), options);
      const page = await client.resources({ query: SERVERS_QUERY, options: { top: 50 } });
      const mine = await graph.resources({ query: SERVERS_QUERY, options: { top: 50 } });
      expect(page.data).toEqual(mine.data);
    } finally {
      await other.close();
    }
  });

  it("returns hostile tag values byte for byte, and finds them only through a correctly escaped literal", async () => {
    const rows = await allRows<{ id: string; tags: Record<string, string> }>(SERVERS_QUERY);
    const hostile = rows.filter((r) => Object.values(r.tags).some((v) => HOSTILE_VALUES.includes(v)));
    expect(hostile.length).toBeGreaterThan(0);
    const [key, value] = Object.entries(hostile[0]!.tags).find(([, v]) => HOSTILE_VALUES.includes(v))!;
    const literal = `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n").replace(/\t/g, "\\t")}'`;
    const found = await allRows<{ id: string }>(`resources | where type =~ 'microsoft.dbforpostgresql/flexibleservers' | where tostring(tags['${key}']) == ${literal} | project id | order by id asc`);
    expect(found.map((r) => r.id)).toEqual(hostile.filter((r) => r.tags[key] === value).map((r) => r.id).sort());
  });

  it("answers the table result format with typed columns", async () => {
    const page = await graph.resources({ query: `${SERVERS_QUERY} | take 3`, options: { resultFormat: "table" } });
    const data = page.data as { columns: { name: string; type: string }[]; rows: unknown[][] };
    expect(data.columns.slice(0, 2)).toEqual([{ name: "id", type: "string" }, { name: "name", type: "string" }]);
    expect(data.columns.find((c) => c.name === "tags")?.type).toBe("object");
    expect(data.rows).toHaveLength(3);
  });
});

describe("the other query shapes of CONTRACT §5.3", () => {
  it("joins vaults, backup instances and role assignments consistently", async () => {
    const vaults = await allRows<{ id: string; principalId: string }>(
      "resources | where type =~ 'microsoft.dataprotection/backupvaults' | project id, name, location, resourceGroup, subscriptionId, principalId = tostring(identity.principalId), identityType = tostring(identity.type), storage = properties.storageSettings",
    );
    expect(vaults.length).toBeGreaterThan(0);
    const instances = await allRows<{ id: string; vaultName: string; dataSourceId: string; protectionState: string }>(`recoveryservicesresources
| where type =~ 'microsoft.dataprotection/backupvaults/backupinstances'
| where tostring(properties.dataSourceInfo.datasourceType) =~ 'Microsoft.DBforPostgreSQL/flexibleServers'
| project id, name, resourceGroup, subscriptionId, vaultName = tostring(split(split(id, '/backupVaults/')[1], '/')[0]), dataSourceId = tolower(tostring(properties.dataSourceInfo.resourceID)), protectionStatus = tostring(properties.protectionStatus.status), protectionState = tostring(properties.currentProtectionState), policyId = tostring(properties.policyInfo.policyId)`);
    expect(instances.length).toBeGreaterThan(0);
    expect(instances.every((i) => vaults.some((v) => v.id.endsWith(`/${i.vaultName}`)))).toBe(true);
    expect(new Set(instances.map((i) => i.protectionState))).toContain("ProtectionConfigured");

    const principal = vaults.find((v) => v.principalId)!.principalId;
    const page = await graph.resources({
      query: `authorizationresources
| where type =~ 'microsoft.authorization/roleassignments'
| where tostring(properties.principalId) =~ '${principal}'
| extend roleGuid = tolower(extract('([0-9a-fA-F-]{36})$', 1, tostring(properties.roleDefinitionId)))
| where roleGuid in ('c088a766-074b-43ba-90d4-1fb21feae531', 'acdd72a7-3385-48ef-bd42-f606fba81ae7')
| project id, roleGuid, scope = tolower(tostring(properties.scope)), principalType = tostring(properties.principalType)`,
      options: { authorizationScopeFilter: "AtScopeAboveAndBelow", top: 1000 },
    });
    const roles = page.data as { roleGuid: string; principalType: string }[];
    expect(roles.length).toBeGreaterThan(0);
    expect(roles.every((r) => r.principalType === "ServicePrincipal")).toBe(true);
  });

  it("shows Flexguard's own role-writing assignments, from which it infers where it may assign roles", async () => {
    const rows = await allRows<{ roleGuid: string; scope: string }>(`authorizationresources
| where type =~ 'microsoft.authorization/roleassignments' and tostring(properties.principalId) =~ '${FLEXGUARD}'
| extend roleGuid = tolower(extract('([0-9a-fA-F-]{36})$', 1, tostring(properties.roleDefinitionId)))
| project id, roleGuid, scope = tostring(properties.scope)`);
    const writers = rows.filter((r) => ["8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "f58310d9-a9f6-439a-9e8d-f62e7b41a168"].includes(r.roleGuid));
    expect(writers.length).toBeGreaterThan(0);
    expect(rows.some((r) => r.roleGuid === "acdd72a7-3385-48ef-bd42-f606fba81ae7")).toBe(true);
  });
});

describe("errors", () => {
  it("answers a query it does not understand with 400 and Azure's error shape naming the construct", async () => {
    const error = await graph.resources({ query: "resources | summarize count() by location" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RestError);
    const restError = error as RestError;
    expect(restError.statusCode).toBe(400);
    expect(restError.code).toBe("BadRequest");
    expect(restError.message).toMatch(/summarize/);
    const raw = await arm<{ error: { details: { code: string; message: string }[] } }>(armClient(emulator, FLEXGUARD), emulator, "POST", "/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01", {
      query: "resources | where name == 'x' | mv-expand tags",
    });
    expect(raw.status).toBe(400);
    expect(raw.body.error.details.map((d) => d.code)).toEqual(["InvalidQuery", "UnsupportedOperator"]);
    expect(raw.body.error.details[1]!.message).toMatch(/'mv-expand'/);
  });

  it("rejects an unknown api-version like ARM", async () => {
    const client = armClient(emulator, FLEXGUARD);
    const response = await arm(client, emulator, "POST", "/providers/Microsoft.ResourceGraph/resources?api-version=2019-04-01", { query: "resources | take 1" });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: { code: "InvalidApiVersionParameter" } });
  });

  it("answers a request without a bearer token with 401 and WWW-Authenticate", async () => {
    const response = await new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      const req = request(`${emulator.url}/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01`, { method: "POST", ca: emulator.certPem }, (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      });
      req.on("error", reject);
      req.end(JSON.stringify({ query: "resources" }));
    });
    expect(response.status).toBe(401);
    expect(String(response.headers["www-authenticate"])).toMatch(/^Bearer /);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: "AuthenticationFailed" } });
  });
});

describe("quota and lag", () => {
  it("allows 15 queries per 5-second window per principal, then answers 429 with Retry-After", async () => {
    await admin(emulator, "POST", "limits", { enabled: true });
    try {
      const client = graphClient("00000000-0000-4000-8000-0000000000a0");
      const remaining: string[] = [];
      for (let i = 0; i < 15; i++) {
        await client.resources({ query: "resources | take 1 | project id" }, { onResponse: (raw) => remaining.push(raw.headers.get("x-ms-user-quota-remaining") ?? "") });
      }
      expect(remaining[0]).toBe("14");
      expect(remaining[14]).toBe("0");
      const error = (await client.resources({ query: "resources | take 1 | project id" }).catch((e: unknown) => e)) as RestError;
      expect(error.statusCode).toBe(429);
      expect(Number(error.response!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(error.response!.headers.get("x-ms-user-quota-resets-after")).toMatch(/^00:00:0[0-5]$/);
      const stats = await admin<{ requests: { throttled: number } }>(emulator, "GET", "stats");
      expect(stats.requests.throttled).toBeGreaterThanOrEqual(1);
    } finally {
      await admin(emulator, "POST", "limits", { enabled: false });
    }
  });

  it("shows a role assignment made through ARM only after the Resource Graph lag", async () => {
    const client = armClient(emulator, FLEXGUARD);
    const rg = [...emulator.state.store.resourceGroups.values()].find((g) => emulator.state.store.can(FLEXGUARD, "roleAssignmentsWrite", g.id))!;
    const name = "6f1c3a52-9a55-4d3b-9f55-1f8f0f8d6a01";
    const created = await arm(client, emulator, "PUT", `${rg.id}/providers/Microsoft.Authorization/roleAssignments/${name}?api-version=2022-04-01`, {
      properties: { roleDefinitionId: "/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7", principalId: "00000000-0000-4000-8000-0000000000ad", principalType: "User" },
    });
    expect(created.status).toBe(201);
    const query = `authorizationresources | where name == '${name}' | project id`;
    expect((await graph.resources({ query })).totalRecords).toBe(0);
    await admin(emulator, "POST", "time", { advanceSeconds: emulator.state.store.timings.argLagMs / 1000 + 1 });
    expect((await graph.resources({ query })).totalRecords).toBe(1);
  });
});
