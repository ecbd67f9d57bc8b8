// What an admin does with a role-assignment template, end to end on the real app, worker and emulator: finds a
// server whose vault identity lacks roles Flexguard's principal may not assign, downloads its template from the
// server page, has it deployed by someone who may (the DBA, through the emulator's ARM deployments API), lets RBAC
// propagate, rescans, and sees the verdict move on. Also: the servers page's bulk bar, and the CLI through the API.
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect, request as playwrightRequest, test, type APIRequestContext } from "@playwright/test";
import { stateLabel } from "@/app/_components/format";
import { e2e } from "../../playwright.config";
import { apiAs, baseURL, fleetScanned, signIn } from "./support";

const emulatorUrl = `https://127.0.0.1:${e2e.emulatorPort}`;
const FLEXGUARD_PRINCIPAL = "00000000-0000-4000-8000-00000000f1e9";
const DBA_PRINCIPAL = "00000000-0000-4000-8000-0000000000ad";
const ROLE_WRITERS = new Set(["8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "f58310d9-a9f6-439a-9e8d-f62e7b41a168"]); // Owner, UAA, RBAC Administrator

interface ServerDetail {
  server: { id: string; name: string; armId: string; subscriptionId: string; resourceGroup: string };
  verdict: { state: string; governingRuleId: string | null; detail: { remediation: { needsRolesFlexguardCannotAssign: boolean } | null } } | null;
  vaultIdentities: { principalId: string | null; relation: string; roleAssignments: { armId: string; roleDefinitionGuid: string; scope: string }[] }[];
}
const LTR_ROLE = "c088a766-074b-43ba-90d4-1fb21feae531";

async function emulator(): Promise<APIRequestContext> {
  return playwrightRequest.newContext({ baseURL: emulatorUrl, ignoreHTTPSErrors: true });
}

/** Bearer tokens of the emulated fleet's principals. */
async function tokens(emu: APIRequestContext): Promise<Map<string, string>> {
  const { value } = (await (await emu.get("/_emulator/principals")).json()) as { value: { id: string; token: string }[] };
  return new Map(value.map((p) => [p.id, p.token]));
}

/** Scopes (lower-cased) where a principal holds a role that may write role assignments, in the given subscriptions. */
async function roleWriterScopes(emu: APIRequestContext, token: string, principalId: string, subscriptions: string[]): Promise<string[]> {
  const scopes: string[] = [];
  for (const subscription of subscriptions) {
    const filter = encodeURIComponent(`principalId eq '${principalId}'`);
    const res = await emu.get(`/subscriptions/${subscription}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=${filter}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status()).toBe(200);
    for (const a of ((await res.json()) as { value: { properties: { scope: string; roleDefinitionId: string } }[] }).value) {
      if (ROLE_WRITERS.has(a.properties.roleDefinitionId.split("/").pop()!.toLowerCase())) scopes.push(a.properties.scope.toLowerCase());
    }
  }
  return scopes;
}

const covers = (scopes: string[], server: ServerDetail["server"]) => {
  const rg = `/subscriptions/${server.subscriptionId}/resourcegroups/${server.resourceGroup}`.toLowerCase();
  return scopes.some((s) => s === "/" || s === `/subscriptions/${server.subscriptionId}`.toLowerCase() || s === rg || s === server.armId.toLowerCase());
};

async function evaluateNow(admin: APIRequestContext): Promise<void> {
  const { runId } = (await (await admin.post("/api/evaluations", { data: {} })).json()) as { runId: string };
  await expect(async () => {
    const run = (await (await admin.get(`/api/evaluations/${runId}`)).json()) as { status: string };
    expect(run.status).toBe("SUCCEEDED");
  }).toPass({ timeout: 90_000 });
}

test("an admin downloads a server's template, a DBA deploys it, and after RBAC propagation and a rescan the verdict moves on", async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const admin = await apiAs("admin");
  await fleetScanned(admin);
  // A rule over the whole fleet that leaves role assignment to templates; removed at the end.
  let rule: { id: string } | null = null;
  for (let order = 1; !rule && order < 50; order++) {
    const res = await admin.post("/api/rules", {
      data: { name: `templates-e2e-${Date.now()}`, order, scope: {}, requirement: { vault: { kind: "matchInRegion", nameGlob: "*" }, policy: { kind: "constraints", minRetention: "P1D" }, roleAssignment: "templateOnly" } },
    });
    if (res.status() === 201) rule = (await res.json()) as { id: string };
    else expect(res.status(), await res.text()).toBe(409);
  }
  expect(rule).not.toBeNull();
  try {
    await evaluateNow(admin);
    const emu = await emulator();
    const token = await tokens(emu);
    const { items } = (await (await admin.get("/api/servers?state=compliant&pageSize=1000")).json()) as { items: { id: string; subscriptionId: string }[] };
    const subscriptions = [...new Set(items.map((s) => s.subscriptionId))];
    const flexguardScopes = await roleWriterScopes(emu, token.get(FLEXGUARD_PRINCIPAL)!, FLEXGUARD_PRINCIPAL, subscriptions);
    const dbaScopes = await roleWriterScopes(emu, token.get(DBA_PRINCIPAL)!, DBA_PRINCIPAL, subscriptions);

    // The generated fleet's vault identities that lack roles all sit where Flexguard may assign them. So the test
    // makes the case an admin meets: in a resource group Flexguard's principal may not write role assignments to
    // (and the DBA, its Owner, may), a protected server's vault identity loses its backup role on the server.
    let target: ServerDetail | null = null;
    let removed = "";
    for (const { id } of items) {
      const detail = (await (await admin.get(`/api/servers/${id}`)).json()) as ServerDetail;
      if (detail.verdict?.governingRuleId !== rule!.id || covers(flexguardScopes, detail.server) || !covers(dbaScopes, detail.server)) continue;
      if (!/^[\w./-]+$/.test(detail.server.armId)) continue; // a plain id: this test is about the flow, hostile names have their own

      const ltr = detail.vaultIdentities.find((v) => v.relation === "protects")?.roleAssignments.find((a) => a.roleDefinitionGuid === LTR_ROLE && a.scope.toLowerCase() === detail.server.armId.toLowerCase());
      if (!ltr) continue;
      target = detail;
      removed = ltr.armId;
      break;
    }
    expect(target, "the e2e fleet has a protected server in a resource group only the DBA may grant roles in").not.toBeNull();
    const { server } = target!;
    const dba = { authorization: `Bearer ${token.get(DBA_PRINCIPAL)}` };
    expect([200, 204]).toContain((await emu.delete(`${removed}?api-version=2022-04-01`, { headers: dba })).status());
    const timings = (await (await emu.get("/_emulator/timings")).json()) as { rbacPropagationMs: number; argLagMs: number };
    await emu.post("/_emulator/time", { data: { advanceSeconds: Math.ceil(timings.argLagMs / 1000) + 5 } });
    await admin.post("/api/scans", { data: {} });
    await expect(async () => {
      const detail = (await (await admin.get(`/api/servers/${server.id}`)).json()) as ServerDetail;
      expect(detail.verdict?.state).toBe("missing_roles");
      expect(detail.verdict?.detail.remediation?.needsRolesFlexguardCannotAssign).toBe(true);
    }).toPass({ timeout: 120_000, intervals: [2_000] });

    // The admin finds it in the dashboard and downloads its template from the server page.
    await signIn(page, "admin");
    await page.goto(`/servers?state=missing_roles&q=${encodeURIComponent(server.name)}`);
    await page.getByRole("link", { name: server.name, exact: true }).click();
    await expect(page.getByTestId("verdict-state")).toHaveText(stateLabel("missing_roles"));
    await expect(page.getByRole("heading", { name: "Role assignment template" })).toBeVisible();
    await expect(page.getByText(/Flexguard's principal may not assign these roles/)).toBeVisible();
    await page.getByText(/^Preview flexguard-roles-/).click();
    await expect(page.getByTestId("template-preview")).toContainText('"_generator"');
    await page.screenshot({ path: testInfo.outputPath("template-before.png"), fullPage: true });
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("download-template").click()]);
    expect(download.suggestedFilename()).toMatch(/^flexguard-roles-.+\.json$/);
    const file = testInfo.outputPath(download.suggestedFilename());
    await download.saveAs(file);
    const template = JSON.parse(await readFile(file, "utf8")) as { resources: unknown[]; metadata: { flexguard: { server: { id: string } } } };
    expect(template.metadata.flexguard.server.id).toBe(server.armId);
    expect(template.resources.length).toBeGreaterThan(0);

    // Flexguard's own principal may not deploy it; the DBA, Owner of the resource group, may.
    const deploymentUrl = (name: string) =>
      `/subscriptions/${server.subscriptionId}/resourceGroups/${encodeURIComponent(server.resourceGroup)}/providers/Microsoft.Resources/deployments/${name}?api-version=2024-03-01`;
    const deploy = (principal: string, name: string) =>
      emu.put(deploymentUrl(name), { headers: { authorization: `Bearer ${token.get(principal)}` }, data: { properties: { mode: "Incremental", template } } });
    const refused = await deploy(FLEXGUARD_PRINCIPAL, "flexguard-try");
    expect(refused.status()).toBe(403);
    const started = await deploy(DBA_PRINCIPAL, "flexguard-roles-e2e");
    expect(started.status(), await started.text()).toBe(201);
    await expect(async () => {
      await emu.post("/_emulator/time", { data: { advanceSeconds: 30 } });
      const state = (await (await emu.get(deploymentUrl("flexguard-roles-e2e"), { headers: dba })).json()) as { properties: { provisioningState: string } };
      expect(state.properties.provisioningState).toBe("Succeeded");
    }).toPass({ timeout: 60_000 });

    // Past RBAC propagation (and Resource Graph's lag), then revalidate: a scan, which asks for an evaluation.
    await emu.post("/_emulator/time", { data: { advanceSeconds: Math.ceil(Math.max(timings.rbacPropagationMs, timings.argLagMs) / 1000) + 60 } });
    await page.goto("/");
    await page.getByRole("button", { name: /scan now/i }).click();
    await expect(async () => {
      await page.goto(`/servers/${server.id}`);
      await expect(page.getByTestId("verdict-state")).not.toHaveText(stateLabel("missing_roles"), { timeout: 1_000 });
    }).toPass({ timeout: 150_000, intervals: [2_000, 5_000] });
    await expect(page.getByTestId("timeline")).toContainText(`${stateLabel("missing_roles")} →`);
    await expect(page.getByRole("heading", { name: "Role assignment template" })).toHaveCount(0);
    await page.screenshot({ path: testInfo.outputPath("template-verdict-moved-on.png"), fullPage: true });
    await testInfo.attach("verdict moved on", { path: testInfo.outputPath("template-verdict-moved-on.png"), contentType: "image/png" });
  } finally {
    await admin.delete(`/api/rules/${rule!.id}`);
    await evaluateNow(admin);
  }
});

test("the servers page's bulk bar downloads templates and starts a remediation plan for a selection or the filter", async ({ page }) => {
  const admin = await apiAs("admin");
  await fleetScanned(admin);
  await signIn(page, "admin");
  await page.goto("/servers?pageSize=10");
  const bar = page.getByTestId("bulk-actions");
  await expect(bar).toContainText("Select servers to download their templates");
  const rows = page.getByRole("table", { name: "Servers" }).getByRole("row");
  const checkboxes = rows.getByRole("checkbox", { name: /^Select (?!all)/ });
  await checkboxes.nth(0).check();
  await checkboxes.nth(1).check();
  const ids = await Promise.all([0, 1].map(async (i) => (await rows.nth(i + 1).getByRole("link").first().getAttribute("href"))!.split("/").pop()!));
  await expect(page.getByTestId("download-templates")).toHaveText("Download templates (2 servers)");
  const idList = new URLSearchParams({ ids: ids.join(",") }).toString();
  await expect(page.getByTestId("download-templates")).toHaveAttribute("href", `/api/templates/pack?${idList}&format=zip`);
  await expect(page.getByTestId("create-plan")).toHaveAttribute("href", `/remediation/new?${idList}`);
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("download-templates").click()]);
  expect(download.suggestedFilename()).toBe("flexguard-roles.zip");

  // Every server matching the filter, every page of it.
  const { items } = (await (await admin.get("/api/servers?pageSize=1")).json()) as { items: { subscriptionId: string }[] };
  const subscription = items[0]!.subscriptionId;
  await page.goto(`/servers?subscription=${subscription}&pageSize=10`);
  await bar.getByRole("radio", { name: /matching the filters/ }).check();
  await bar.getByLabel("Template format").selectOption("subscription");
  await expect(page.getByTestId("download-templates")).toHaveAttribute("href", `/api/templates/pack?subscription=${subscription}&format=subscription`);
  await expect(page.getByTestId("create-plan")).toHaveAttribute("href", `/remediation/new?subscription=${subscription}`);
});

test("flexguard templates writes a subscription's templates through the API with a viewer's token", async () => {
  const viewer = await apiAs("viewer");
  await fleetScanned(viewer);
  const { token } = (await (await viewer.post("/api/tokens", { data: { name: "cli-templates", role: "viewer" } })).json()) as { token: string };
  const { items } = (await (await viewer.get("/api/servers?pageSize=1")).json()) as { items: { subscriptionId: string }[] };
  const subscription = items[0]!.subscriptionId;
  const dir = await mkdtemp(path.join(tmpdir(), "fg-e2e-templates-"));
  await promisify(execFile)(process.execPath, ["bin/flexguard.js", "templates", "--subscription", subscription, "--out", path.join(dir, "pack.zip")], {
    env: { ...process.env, FLEXGUARD_URL: baseURL, FLEXGUARD_TOKEN: token, DATABASE_URL: "postgresql://nobody@127.0.0.1:1/unused" },
    timeout: 120_000,
  });
  const zip = await readFile(path.join(dir, "pack.zip"));
  expect(zip.subarray(0, 4).toString("latin1")).toBe("PK\u0003\u0004");
  expect(zip.includes("README.md")).toBe(true);
  expect(await readdir(dir)).toEqual(["pack.zip"]);
});
