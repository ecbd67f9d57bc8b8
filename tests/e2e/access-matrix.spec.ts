// Every API endpoint against every kind of caller (nobody, each role, a subscription-limited operator, an API
// token), asserting the exact allow or deny. A route file without a row here fails the test: every route is
// born with its access decided.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { anonymousApi, apiAs, apiWithToken, baseURL, fleetScanned, type DemoRole } from "./support";

type Caller = "anonymous" | DemoRole | "viewer-token";
const CALLERS: Caller[] = ["anonymous", "viewer", "operator", "approver", "admin", "scoped-operator", "viewer-token"];

interface Row {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** The route file's path pattern, e.g. /api/scans/[scanId]. */
  route: string;
  /** The request made, with ids filled in. */
  path: (ids: Ids) => string;
  body?: (ids: Ids) => unknown;
  /** Expected status per caller. */
  expect: Record<Caller, number>;
}

interface Ids {
  scanId: string;
  runId: string;
  adminTokenId: string;
  viewerUserId: string;
  /** A rule the admin made before the loop (scope: the whole fleet), still at revision 1. */
  ruleId: string;
  /** Made fresh for each caller of the delete rows, so that each finds something to delete. */
  deletableRuleId: string;
  deletableExemptionId: string;
  /** The subscription the scoped operator is limited to. */
  subscriptionId: string;
  /** A webhook the admin made before the loop, and one made fresh for each caller of the delete row. */
  webhookId: string;
  deletableWebhookId: string;
  /** A plan the operator drafted before the loop (in the scoped operator's subscription), and one drafted before the
   * loop for each caller of the rows that change a plan's state (submitted too, for approve and reject), with its hash. */
  planId: string;
  freshPlanId: string;
  freshPlanHash: string;
}

// Rules the rows create: valid, naming no vault or policy, each with its own name and precedence order.
let matrixRuleCount = 0;
const matrixRule = () => ({
  name: `matrix-rule-${Date.now()}-${++matrixRuleCount}`,
  order: 900_000 + Math.floor(Math.random() * 90_000) + matrixRuleCount,
  scope: {},
  requirement: { vault: { kind: "matchInRegion", nameGlob: "bv-*" }, policy: { kind: "constraints", minRetention: "P7D" }, roleAssignment: "templateOnly" },
});
const FIXTURE_RULE = matrixRule();
const matrixExemption = (subscriptionId: string) => ({
  target: { kind: "subscription", subscriptionId },
  ruleId: null,
  category: "mitigated",
  justification: "Access matrix",
  expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
});
// Points at the discard port: nothing listens, so the test send fails fast without reaching anything.
const matrixWebhook = () => ({ name: `matrix-hook-${Date.now()}-${Math.random().toString(36).slice(2)}`, url: "http://127.0.0.1:9/hook", format: "json" });
const writers: Caller[] = ["operator", "admin"];
const approvers: Caller[] = ["approver", "admin"];
// Plans over the scoped operator's subscription, which an enforce-mode rule governs (made before the loop).
const matrixPlan = (subscription: string) => ({ name: `matrix-plan-${Date.now()}`, selection: { kind: "filter", filter: { subscription } } });
const scopedWriters: Caller[] = ["operator", "admin", "scoped-operator"];

const everyone = (status: number, anonymous = 401): Record<Caller, number> =>
  Object.fromEntries(CALLERS.map((c) => [c, c === "anonymous" ? anonymous : status])) as Record<Caller, number>;
const only = (allowed: Caller[], status: number): Record<Caller, number> =>
  Object.fromEntries(CALLERS.map((c) => [c, c === "anonymous" ? 401 : allowed.includes(c) ? status : 403])) as Record<Caller, number>;

/** Server ids for the dashboard's rows, filled in once the fleet is scanned and the scoped operator limited. */
const dashboardServers = { inScope: "", outOfScope: "", withTemplate: "", outOfScopeWithTemplate: "" };

const MATRIX: Row[] = [
  { method: "GET", route: "/api/me", path: () => "/api/me", expect: everyone(200) },
  { method: "GET", route: "/api/servers", path: () => "/api/servers?pageSize=5", expect: everyone(200) },
  { method: "GET", route: "/api/scans", path: () => "/api/scans", expect: everyone(200) },
  { method: "POST", route: "/api/scans", path: () => "/api/scans", body: () => ({}), expect: only(["operator", "admin", "scoped-operator"], 201) },
  { method: "GET", route: "/api/scans/[scanId]", path: (ids) => `/api/scans/${ids.scanId}`, expect: everyone(200) },
  { method: "GET", route: "/api/status", path: () => "/api/status", expect: everyone(200) },
  { method: "GET", route: "/api/overview", path: () => "/api/overview", expect: everyone(200) },
  { method: "GET", route: "/api/vaults", path: () => "/api/vaults", expect: everyone(200) },
  { method: "GET", route: "/api/readiness", path: () => "/api/readiness?servers=5", expect: everyone(200) },
  { method: "GET", route: "/api/servers/export", path: () => "/api/servers/export?state=non_compliant", expect: everyone(200) },
  // A server in the scoped operator's subscription; one outside it is checked with the scope below.
  { method: "GET", route: "/api/servers/[serverId]", path: () => `/api/servers/${dashboardServers.inScope}`, expect: everyone(200) },
  // Every role may download templates, of servers in its subscriptions (a server of the scoped operator's subscription
  // whose template can be built; out of scope checked below).
  { method: "GET", route: "/api/servers/[serverId]/template", path: () => `/api/servers/${dashboardServers.withTemplate}/template`, expect: everyone(200) },
  { method: "GET", route: "/api/templates/pack", path: (ids) => `/api/templates/pack?format=zip&subscription=${ids.subscriptionId}`, expect: everyone(200) },
  { method: "POST", route: "/api/evaluations", path: () => "/api/evaluations", body: () => ({}), expect: only(["operator", "admin", "scoped-operator"], 201) },
  { method: "GET", route: "/api/evaluations/[runId]", path: (ids) => `/api/evaluations/${ids.runId}`, expect: everyone(200) },
  { method: "GET", route: "/api/tokens", path: () => "/api/tokens", expect: everyone(200) },
  // A token may not mint tokens: only a signed-in person can.
  { method: "POST", route: "/api/tokens", path: () => "/api/tokens", body: () => ({ name: "matrix", role: "viewer" }), expect: { ...everyone(201), "viewer-token": 403 } },
  // Someone else's token: unseen (404) unless you are an admin.
  { method: "DELETE", route: "/api/tokens/[tokenId]", path: (ids) => `/api/tokens/${ids.adminTokenId}`, expect: { ...everyone(404), admin: 204 } },
  { method: "GET", route: "/api/users", path: () => "/api/users", expect: only(["admin"], 200) },
  { method: "POST", route: "/api/users", path: () => "/api/users", body: () => ({ username: `matrix-${Date.now()}`, displayName: "Matrix", role: "viewer", password: "a-long-password-1" }), expect: only(["admin"], 201) },
  { method: "PATCH", route: "/api/users/[userId]", path: (ids) => `/api/users/${ids.viewerUserId}`, body: () => ({ displayName: "Demo Viewer" }), expect: only(["admin"], 200) },
  { method: "GET", route: "/api/audit", path: () => "/api/audit?limit=5", expect: only(["admin"], 200) },
  { method: "GET", route: "/api/rules", path: () => "/api/rules", expect: everyone(200) },
  // Rules over the whole fleet: a subscription-limited operator may write only rules confined to its subscriptions.
  { method: "POST", route: "/api/rules", path: () => "/api/rules", body: () => matrixRule(), expect: only(writers, 201) },
  { method: "GET", route: "/api/rules/[ruleId]", path: (ids) => `/api/rules/${ids.ruleId}`, expect: everyone(200) },
  { method: "PUT", route: "/api/rules/[ruleId]", path: (ids) => `/api/rules/${ids.ruleId}`, body: () => ({ revision: 1, rule: FIXTURE_RULE }), expect: only(writers, 200) },
  { method: "DELETE", route: "/api/rules/[ruleId]", path: (ids) => `/api/rules/${ids.deletableRuleId}`, expect: only(writers, 204) },
  { method: "POST", route: "/api/rules/what-if", path: () => "/api/rules/what-if", body: () => ({ rule: matrixRule() }), expect: everyone(200) },
  { method: "GET", route: "/api/rules/export", path: () => "/api/rules/export?format=yaml", expect: everyone(200) },
  { method: "POST", route: "/api/rules/import", path: () => "/api/rules/import", body: () => ({ format: "yaml", content: "version: 1\nrules: []\n", dryRun: true }), expect: only(writers, 200) },
  // Before the exemption rows, which exempt the subscription these plans cover (nothing would be left to draft).
  { method: "GET", route: "/api/plans", path: () => "/api/plans?status=draft", expect: everyone(200) },
  { method: "POST", route: "/api/plans", path: () => "/api/plans", body: (ids) => matrixPlan(ids.subscriptionId), expect: only(scopedWriters, 201) },
  { method: "GET", route: "/api/plans/[planId]", path: (ids) => `/api/plans/${ids.planId}?pageSize=5`, expect: everyone(200) },
  { method: "PATCH", route: "/api/plans/[planId]", path: (ids) => `/api/plans/${ids.freshPlanId}`, body: () => ({ revision: 1, name: "matrix renamed" }), expect: only(scopedWriters, 200) },
  { method: "DELETE", route: "/api/plans/[planId]", path: (ids) => `/api/plans/${ids.freshPlanId}`, expect: only(scopedWriters, 204) },
  { method: "POST", route: "/api/plans/[planId]/submit", path: (ids) => `/api/plans/${ids.freshPlanId}/submit`, body: () => ({}), expect: only(scopedWriters, 200) },
  // Drafted and submitted by the operator: an approver or admin decides; nobody else may.
  { method: "POST", route: "/api/plans/[planId]/approve", path: (ids) => `/api/plans/${ids.freshPlanId}/approve`, body: (ids) => ({ contentHash: ids.freshPlanHash, comment: "matrix" }), expect: only(approvers, 200) },
  { method: "POST", route: "/api/plans/[planId]/reject", path: (ids) => `/api/plans/${ids.freshPlanId}/reject`, body: (ids) => ({ contentHash: ids.freshPlanHash, comment: "matrix" }), expect: only(approvers, 200) },
  { method: "GET", route: "/api/exemptions", path: () => "/api/exemptions?status=all", expect: everyone(200) },
  { method: "POST", route: "/api/exemptions", path: () => "/api/exemptions", body: (ids) => matrixExemption(ids.subscriptionId), expect: only(scopedWriters, 201) },
  { method: "DELETE", route: "/api/exemptions/[exemptionId]", path: (ids) => `/api/exemptions/${ids.deletableExemptionId}`, expect: only(scopedWriters, 204) },
  // Probes carry no credentials; metrics cover the whole fleet, so a subscription-limited caller is refused.
  { method: "GET", route: "/api/health", path: () => "/api/health", expect: everyone(200, 200) },
  { method: "GET", route: "/api/ready", path: () => "/api/ready", expect: everyone(200, 200) },
  { method: "GET", route: "/api/metrics", path: () => "/api/metrics", expect: { ...everyone(200), "scoped-operator": 403 } },
  { method: "GET", route: "/api/webhooks", path: () => "/api/webhooks", expect: only(["admin"], 200) },
  { method: "POST", route: "/api/webhooks", path: () => "/api/webhooks", body: () => matrixWebhook(), expect: only(["admin"], 201) },
  { method: "GET", route: "/api/webhooks/[webhookId]", path: (ids) => `/api/webhooks/${ids.webhookId}`, expect: only(["admin"], 200) },
  { method: "PATCH", route: "/api/webhooks/[webhookId]", path: (ids) => `/api/webhooks/${ids.webhookId}`, body: () => ({ enabled: false }), expect: only(["admin"], 200) },
  { method: "DELETE", route: "/api/webhooks/[webhookId]", path: (ids) => `/api/webhooks/${ids.deletableWebhookId}`, expect: only(["admin"], 204) },
  { method: "POST", route: "/api/webhooks/[webhookId]/test", path: (ids) => `/api/webhooks/${ids.webhookId}/test`, expect: only(["admin"], 200) },
  { method: "GET", route: "/api/webhooks/[webhookId]/deliveries", path: (ids) => `/api/webhooks/${ids.webhookId}/deliveries`, expect: only(["admin"], 200) },
  // Run controls on the operator's draft: whoever may steer runs gets past access to the plan's state (409: a draft
  // is not approved, running or paused); nobody else gets that far. Progress and history are for every reader.
  ...(["run", "pause", "resume", "cancel", "retry"] as const).map((action): Row => ({ method: "POST", route: `/api/plans/[planId]/${action}`, path: (ids) => `/api/plans/${ids.planId}/${action}`, body: () => ({}), expect: only(scopedWriters, 409) })),
  { method: "GET", route: "/api/plans/[planId]/events", path: (ids) => `/api/plans/${ids.planId}/events`, expect: everyone(200) },
  { method: "GET", route: "/api/plans/[planId]/history", path: (ids) => `/api/plans/${ids.planId}/history?format=csv`, expect: everyone(200) },
];

/** Every (method, route) the app serves, read from app/api/**\/route.ts. */
function servedRoutes(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const full = path.join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (entry === "route.ts") {
        const route = `/${path.relative("app", dir).split(path.sep).join("/")}`;
        if (route.startsWith("/api/auth/")) continue; // next-auth's own endpoints, CSRF-protected by next-auth
        for (const m of readFileSync(full, "utf8").matchAll(/export const (GET|POST|PATCH|PUT|DELETE)\b/g)) found.push(`${m[1]} ${route}`);
      }
    }
  };
  walk(path.join("app", "api"));
  return found.sort();
}

test("the matrix covers every API route the app serves", () => {
  expect(MATRIX.map((r) => `${r.method} ${r.route}`).sort()).toEqual(servedRoutes());
});

test("every caller gets exactly the access its role and scope allow", async () => {
  const admin = await apiAs("admin");
  await fleetScanned(admin);
  // The subscription-limited operator is limited to one subscription the fleet has.
  const users = ((await (await admin.get("/api/users")).json()) as { users: { id: string; username: string }[] }).users;
  const servers = (await (await admin.get("/api/servers?pageSize=1000")).json()) as { total: number; items: { subscriptionId: string }[] };
  const subscription = servers.items[0]!.subscriptionId;
  const serverIds = servers.items as unknown as { id: string; subscriptionId: string }[];
  dashboardServers.inScope = serverIds.find((s) => s.subscriptionId === subscription)!.id;
  dashboardServers.outOfScope = serverIds.find((s) => s.subscriptionId !== subscription)!.id;
  const scopedId = users.find((u) => u.username === "scoped-operator")!.id;
  expect((await admin.patch(`/api/users/${scopedId}`, { data: { subscriptions: [subscription] } })).status()).toBe(200);

  const clients = new Map<Caller, APIRequestContext>();
  clients.set("anonymous", await anonymousApi());
  for (const role of ["viewer", "operator", "approver", "admin", "scoped-operator"] as const) clients.set(role, role === "admin" ? admin : await apiAs(role));
  const viewerToken = (await (await clients.get("viewer")!.post("/api/tokens", { data: { name: "matrix-viewer", role: "viewer" } })).json()) as { token: string };
  clients.set("viewer-token", await apiWithToken(viewerToken.token));

  const scan = (await (await clients.get("operator")!.post("/api/scans", { data: {} })).json()) as { scanId: string };
  const evaluation = (await (await clients.get("operator")!.post("/api/evaluations", { data: {} })).json()) as { runId: string };
  const created = async (res: Promise<{ status(): number; json(): Promise<unknown> }>) => {
    const answer = await res;
    expect(answer.status(), JSON.stringify(await answer.json())).toBe(201);
    return (await answer.json()) as { id: string };
  };
  const fixtureRule = await created(admin.post("/api/rules", { data: FIXTURE_RULE }));
  // Servers whose template can be built (evaluated, with a vault identity), once the evaluation the fixture rule asks for is done.
  const withTemplate = async (inSubscription: boolean) => {
    let found = "";
    await expect(async () => {
      for (const s of serverIds.filter((x) => (x.subscriptionId === subscription) === inSubscription)) {
        if ((await admin.get(`/api/servers/${s.id}/template`)).status() === 200) return void (found = s.id);
      }
      throw new Error("no server with a template yet");
    }).toPass({ timeout: 60_000 });
    return found;
  };
  dashboardServers.withTemplate = await withTemplate(true);
  dashboardServers.outOfScopeWithTemplate = await withTemplate(false);
  const fixtureWebhook = await created(admin.post("/api/webhooks", { data: matrixWebhook() }));
  // Plans are drafted from non-compliant servers of enforce-mode rules: the fixture rule's requirement, enforced
  // in the scoped operator's subscription (the same requirement, so no server changes state), Flexguard assigning roles.
  const enforceRule = await created(admin.post("/api/rules", { data: { ...matrixRule(), mode: "enforce", order: 800_000, scope: { subscriptions: [subscription] }, requirement: { ...FIXTURE_RULE.requirement, roleAssignment: "assign" } } }));
  await expect(async () => {
    await admin.post("/api/evaluations", { data: {} });
    const governed = (await (await admin.get(`/api/servers?rule=${enforceRule.id}&state=non_compliant&pageSize=1`)).json()) as { total: number };
    expect(governed.total).toBeGreaterThan(0);
  }).toPass({ timeout: 60_000 });
  const operatorClient = clients.get("operator")!;
  const fixturePlan = await created(operatorClient.post("/api/plans", { data: matrixPlan(subscription) }));
  // A fresh plan for each caller of the rows that change a plan's state, drafted now: the exemption rows below
  // exempt the whole subscription, after which it has nothing left to plan.
  const PLAN_STATE_ROWS = ["PATCH /api/plans/[planId]", "DELETE /api/plans/[planId]", "POST /api/plans/[planId]/submit", "POST /api/plans/[planId]/approve", "POST /api/plans/[planId]/reject"];
  const freshPlans = new Map<string, { id: string; contentHash: string }>();
  for (const row of PLAN_STATE_ROWS) {
    for (const caller of CALLERS) {
      const plan = (await created(operatorClient.post("/api/plans", { data: matrixPlan(subscription) }))) as unknown as { id: string; contentHash: string };
      if (row.endsWith("/approve") || row.endsWith("/reject")) expect((await operatorClient.post(`/api/plans/${plan.id}/submit`, { data: {} })).status()).toBe(200);
      freshPlans.set(`${row} ${caller}`, plan);
    }
  }
  const results: string[] = [];
  for (const row of MATRIX) {
    for (const caller of CALLERS) {
      // Fresh ids per call: a delete must find something to delete.
      const adminToken = (await (await admin.post("/api/tokens", { data: { name: "matrix-admin", role: "viewer" } })).json()) as { id: string };
      const deletableRuleId = row.method === "DELETE" && row.route === "/api/rules/[ruleId]" ? (await created(admin.post("/api/rules", { data: matrixRule() }))).id : "";
      const deletableExemptionId = row.method === "DELETE" && row.route === "/api/exemptions/[exemptionId]" ? (await created(admin.post("/api/exemptions", { data: matrixExemption(subscription) }))).id : "";
      const deletableWebhookId = row.method === "DELETE" && row.route === "/api/webhooks/[webhookId]" ? (await created(admin.post("/api/webhooks", { data: matrixWebhook() }))).id : "";
      const fresh = freshPlans.get(`${row.method} ${row.route} ${caller}`) ?? { id: "", contentHash: "" };
      const ids: Ids = {
        scanId: scan.scanId, runId: evaluation.runId, adminTokenId: adminToken.id, viewerUserId: users.find((u) => u.username === "viewer")!.id,
        ruleId: fixtureRule.id, deletableRuleId, deletableExemptionId, subscriptionId: subscription,
        webhookId: fixtureWebhook.id, deletableWebhookId,
        planId: fixturePlan.id, freshPlanId: fresh.id, freshPlanHash: fresh.contentHash,
      };
      const res = await clients.get(caller)!.fetch(row.path(ids), { method: row.method, ...(row.body ? { data: row.body(ids) } : {}) });
      let status = res.status();
      if (row.method === "POST" && (row.route === "/api/scans" || row.route === "/api/evaluations") && status === 200) status = 201; // joined a queued one: also allowed
      results.push(`${row.method} ${row.path(ids).split("?")[0]!.replace(/[0-9a-f-]{36}/, ":id")} as ${caller}: ${status === row.expect[caller] ? "ok" : `got ${status}, expected ${row.expect[caller]}`}`);
    }
  }
  expect(results.filter((r) => !r.endsWith(": ok"))).toEqual([]);

  // Scope: the limited operator sees only its subscription's servers, everywhere.
  const scoped = (await (await clients.get("scoped-operator")!.get("/api/servers?pageSize=1000")).json()) as { total: number; items: { subscriptionId: string }[] };
  expect(scoped.total).toBeGreaterThan(0);
  expect(scoped.total).toBeLessThan(servers.total);
  expect(new Set(scoped.items.map((s) => s.subscriptionId))).toEqual(new Set([subscription]));
  // A server outside its subscription reads as missing to the scoped operator, and is there for everyone else.
  expect((await clients.get("scoped-operator")!.get(`/api/servers/${dashboardServers.outOfScope}`)).status()).toBe(404);
  expect((await clients.get("viewer")!.get(`/api/servers/${dashboardServers.outOfScope}`)).status()).toBe(200);
  // Templates follow the same scope: another subscription's server is missing, and its pack holds no template.
  expect((await clients.get("scoped-operator")!.get(`/api/servers/${dashboardServers.outOfScopeWithTemplate}/template`)).status()).toBe(404);
  expect((await clients.get("viewer")!.get(`/api/servers/${dashboardServers.outOfScopeWithTemplate}/template`)).status()).toBe(200);
  const otherSubscription = serverIds.find((s) => s.id === dashboardServers.outOfScopeWithTemplate)!.subscriptionId;
  const foreignPack = await clients.get("scoped-operator")!.get(`/api/templates/pack?format=zip&subscription=${otherSubscription}`);
  expect(foreignPack.status()).toBe(200);
  expect((await foreignPack.body()).includes(`/${otherSubscription}/`)).toBe(false);
  // Within its own subscription the scoped operator gets exactly the pack an unscoped admin gets (packs are byte-identical for the same servers).
  const ownPack = `/api/templates/pack?format=zip&subscription=${subscription}`;
  expect((await (await clients.get("scoped-operator")!.get(ownPack)).body()).equals(await (await admin.get(ownPack)).body())).toBe(true);
});

test("changes with a session cookie from another site are refused; tokens need no Origin", async () => {
  const operator = await apiAs("operator");
  const forged = await operator.post("/api/scans", { data: {}, headers: { origin: "https://evil.example" } });
  expect(forged.status()).toBe(403);
  expect(((await forged.json()) as { error: { message: string } }).error.message).toMatch(/Cross-site request refused/);
  const noOrigin = await operator.post("/api/tokens", { data: { name: "x", role: "viewer" }, headers: { origin: "" } });
  expect(noOrigin.status()).toBe(403);
});

test("bad input is refused with the field and the reason, and nothing is written", async () => {
  const admin = await apiAs("admin");
  const unknownField = await admin.post("/api/tokens", { data: { name: "t", role: "viewer", isAdmin: true } });
  expect(unknownField.status()).toBe(400);
  expect(((await unknownField.json()) as { error: { issues: { field: string; reason: string }[] } }).error.issues).toEqual([{ field: "", reason: expect.stringMatching(/isAdmin/) }].map((i) => ({ ...i, field: expect.any(String) })));
  const badRole = await admin.post("/api/users", { data: { username: "x<script>", displayName: "X", role: "root", password: "short" } });
  expect(badRole.status()).toBe(400);
  const fields = ((await badRole.json()) as { error: { issues: { field: string }[] } }).error.issues.map((i) => i.field).sort();
  expect(fields).toEqual(["password", "role", "username"]);
  const huge = await admin.post("/api/tokens", { data: { name: "x".repeat(2 * 1024 * 1024), role: "viewer" } });
  expect(huge.status()).toBe(413);
  const notJson = await admin.post("/api/tokens", { data: "name=x", headers: { "content-type": "application/x-www-form-urlencoded" } });
  expect(notJson.status()).toBe(400);
  const users = ((await (await admin.get("/api/users")).json()) as { users: { username: string }[] }).users;
  expect(users.some((u) => u.username.startsWith("x<"))).toBe(false);
});

test("pages carry a strict content security policy and refuse framing", async () => {
  const res = await (await anonymousApi()).get("/login");
  const csp = res.headers()["content-security-policy"]!;
  expect(csp).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain("unsafe-inline");
  expect(res.headers()["x-content-type-options"]).toBe("nosniff");
  expect(res.headers()["referrer-policy"]).toBe("no-referrer");
  void baseURL;
});
