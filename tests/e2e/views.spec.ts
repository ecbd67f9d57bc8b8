// The dashboard's views beyond the first journeys: every page passes axe and fits 1280 px; a rule is edited, its
// what-if previewed, saved, and the verdicts follow; a stale save is refused clearly; an exemption makes a server
// exempt until it expires. Each journey keeps screenshots as test attachments.
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type APIRequestContext, type Page, type TestInfo } from "@playwright/test";
import type { FleetStatus } from "@/core/evaluation/fleet-status";
import { formatCount, stateLabel } from "@/app/_components/format";
import { apiAs, fleetScanned, signIn } from "./support";

interface ServerItem {
  id: string;
  name: string;
  verdictState: string;
  subscriptionId: string;
  resourceGroup: string;
}

async function evaluated(api: APIRequestContext): Promise<void> {
  await fleetScanned(api);
  await expect(async () => {
    const status = (await (await api.get("/api/status")).json()) as FleetStatus;
    expect(status.lastEvaluation?.status).toBe("SUCCEEDED");
    expect(status.states.not_evaluated ?? 0).toBe(0);
  }).toPass({ timeout: 60_000 });
}

async function servers(api: APIRequestContext, query = ""): Promise<{ total: number; items: ServerItem[] }> {
  return (await (await api.get(`/api/servers?pageSize=1000&${query}`)).json()) as { total: number; items: ServerItem[] };
}

async function expectAccessible(page: Page, what: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  expect(violations.map((v) => `${what}: ${v.id} (${v.nodes.length}): ${v.help} ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`)).toEqual([]);
}

/** The page fits the 1280 px viewport: nothing makes the whole page scroll sideways. */
async function expectFitsWidth(page: Page, what: string): Promise<void> {
  const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  expect(scroll, `${what} is ${scroll} px wide in a ${client} px window`).toBeLessThanOrEqual(client);
}

async function attachScreenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  await testInfo.attach(name, { body: await page.screenshot({ fullPage: true }), contentType: "image/png" });
}

// Rule names the scope's serverNames accept.
const NAMEABLE = /^[A-Za-z0-9-]{1,63}$/;
let ruleOrder = 1000 + Math.floor(Math.random() * 50_000);
const journeyRule = (name: string, serverNames: string[], nameGlob = "bv-*") => ({
  name,
  order: ++ruleOrder,
  mode: "audit",
  scope: { serverNames },
  requirement: { vault: { kind: "matchInRegion", nameGlob }, policy: { kind: "constraints", minRetention: "P7D" }, roleAssignment: "templateOnly" },
});

async function createRule(api: APIRequestContext, rule: ReturnType<typeof journeyRule>): Promise<string> {
  const res = await api.post("/api/rules", { data: rule });
  expect(res.status(), await res.text()).toBe(201);
  const { id } = (await res.json()) as { id: string };
  // The evaluation the save requested has judged every server the rule names.
  await expect(async () => expect((await servers(api, `rule=${id}`)).total).toBe(rule.scope.serverNames.length)).toPass({ timeout: 90_000 });
  return id;
}

/** Reloads a server's page until its verdict shows the state (an evaluation runs in the worker meanwhile). */
async function expectServerState(page: Page, serverId: string, label: string, timeout = 90_000): Promise<void> {
  await expect(async () => {
    await page.goto(`/servers/${serverId}`);
    await expect(page.getByTestId("verdict-state")).toHaveText(label, { timeout: 1_000 });
  }).toPass({ timeout, intervals: [1_000, 2_000] });
}

test("every page passes axe and fits a 1280 px window, with its empty and filled states", async ({ page }) => {
  test.setTimeout(240_000);
  const admin = await apiAs("admin");
  await evaluated(admin);
  const fleet = await servers(admin, "sort=name");
  const named = fleet.items.filter((s) => NAMEABLE.test(s.name));
  const ruleId = await createRule(admin, journeyRule(`axe-rule-${Date.now()}`, named.slice(0, 3).map((s) => s.name)));
  try {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto("/login");
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await expectAccessible(page, "login");
    await expectFitsWidth(page, "login");

    await signIn(page, "admin");
    const pages: [string, string | RegExp][] = [
      ["/", "Overview"],
      ["/servers", "Servers"],
      [`/servers/${named[0]!.id}`, named[0]!.name],
      ["/vaults", "Backup vaults"],
      ["/readiness", "Readiness: vault identity roles"],
      ["/rules", "Protection rules"],
      ["/rules/new", "New rule"],
      [`/rules/${ruleId}`, /^axe-rule-/],
      ["/exemptions", "Exemptions"],
      ["/exemptions?status=expired", "Exemptions"],
      ["/admin/audit", "Audit log"],
      ["/admin/audit?action=no-such-action", "Audit log"],
      ["/admin/settings", "Settings"],
      ["/tokens", /token/i],
      ["/admin/users", /user/i],
    ];
    for (const [path, heading] of pages) {
      await page.goto(path);
      await expect(page.getByRole("heading", { level: 1, name: heading }), path).toBeVisible();
      await expectAccessible(page, path);
      await expectFitsWidth(page, path);
    }
    // The editor's error state: a field the API refuses carries its message, still accessible.
    await page.goto("/rules/new");
    await page.getByLabel("Name", { exact: true }).fill("");
    await page.getByRole("button", { name: "Preview changes (what-if)" }).click();
    await expect(page.getByLabel("Name", { exact: true })).toHaveAttribute("aria-invalid", "true");
    await expectAccessible(page, "rule editor with errors");

    // A viewer sees the rule read-only, and no write controls anywhere.
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login/);
    await signIn(page, "viewer");
    await page.goto(`/rules/${ruleId}`);
    await expect(page.getByRole("heading", { name: "Definition" })).toBeVisible();
    await expect(page.getByRole("button", { name: /Save/ })).toHaveCount(0);
    await expectAccessible(page, "rule, read-only");
    await page.goto("/exemptions");
    await expect(page.getByRole("heading", { name: "Grant an exemption" })).toHaveCount(0);
    await page.goto("/vaults");
    await expect(page.getByRole("link", { name: /Protect servers in/ })).toHaveCount(0);
  } finally {
    await admin.delete(`/api/rules/${ruleId}`);
  }
});

test("the vaults and readiness views agree with the inventory and link onwards", async ({ page }, testInfo) => {
  const operator = await apiAs("operator");
  await evaluated(operator);
  await signIn(page, "operator");
  await page.goto("/vaults");
  // Every region with servers appears once: with its vaults, or among the regions without one.
  const fleet = await servers(operator);
  const regions = [...new Set(fleet.items.map((s) => (s as unknown as { location: string }).location))];
  for (const region of regions) {
    const withVault = await page.getByTestId(`region-${region}`).count();
    const without = await page.getByTestId(`no-vault-${region}`).count();
    expect(withVault + without, region).toBe(1);
  }
  // The figures are the API's.
  const vaults = (await (await operator.get("/api/vaults")).json()) as { regionsWithoutVault: unknown[] };
  await expect(page.getByTestId("regions-without-vault-count")).toHaveText(formatCount(vaults.regionsWithoutVault.length));
  const protect = page.getByRole("link", { name: /^Protect servers in/ }).first();
  await expect(protect).toHaveAttribute("href", /^\/remediation\/new\?region=[a-z0-9]+$/);
  await attachScreenshot(page, testInfo, "vaults.png");

  await page.goto("/readiness");
  const readiness = (await (await operator.get("/api/readiness")).json()) as { totals: { servers: number; byFlexguard: number; byTemplate: number } };
  await expect(page.getByTestId("readiness-servers")).toHaveText(formatCount(readiness.totals.servers));
  await expect(page.getByTestId("readiness-by-flexguard")).toHaveText(formatCount(readiness.totals.byFlexguard));
  await expect(page.getByTestId("readiness-by-template")).toHaveText(formatCount(readiness.totals.byTemplate));
  const groups = page.getByTestId("readiness-group");
  if ((await groups.count()) > 0) {
    const href = (await groups.first().getByRole("link", { name: /Download the template pack/ }).getAttribute("href"))!;
    const url = new URL(href, "http://x");
    expect(url.pathname).toBe("/api/templates/pack");
    expect(url.searchParams.get("format")).toBe("resource-group");
    expect(url.searchParams.get("subscription")).toMatch(/^[0-9a-f-]{36}$/);
  } else {
    await expect(page.getByText(/No server.s vault identity is missing a role/)).toBeVisible();
  }
  await attachScreenshot(page, testInfo, "readiness.png");
});

test("edit a rule: inline validation, the what-if, save, the verdicts change; a stale save is refused", async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const admin = await apiAs("admin");
  await evaluated(admin);
  const fleet = await servers(admin, "sort=name");
  const chosen = fleet.items.filter((s) => NAMEABLE.test(s.name)).slice(10, 22).map((s) => s.name);
  const rule = journeyRule(`journey-rule-${Date.now()}`, chosen);
  const ruleId = await createRule(admin, rule);
  try {
    await signIn(page, "operator");
    await page.goto("/rules");
    await page.getByRole("link", { name: rule.name, exact: true }).click();
    await expect(page.getByRole("heading", { name: rule.name, level: 1 })).toBeVisible();
    await expect(page.getByTestId("rule-revision")).toHaveText("1");
    const vaultPattern = page.getByLabel("Vault name pattern");
    const minRetention = page.getByLabel("Minimum retention");
    const preview = page.getByRole("button", { name: "Preview changes (what-if)" });
    const save = page.getByRole("button", { name: "Save as a new revision" });
    await expect(save).toBeDisabled();
    // The stored rule is in the form.
    await expect(page.getByRole("group", { name: /^Scope/ }).getByLabel("Server name 1", { exact: true })).toHaveValue(chosen[0]!);
    await expect(vaultPattern).toHaveValue("bv-*");
    await expect(minRetention).toHaveValue("P7D");

    // A wrong duration: the API's message shows at the minimum retention box, and nothing can be saved.
    await vaultPattern.fill("no-such-vault-*");
    await minRetention.fill("7 days");
    await expect(page.getByText("Not an ISO 8601 duration yet")).toBeVisible();
    await preview.click();
    await expect(minRetention).toHaveAttribute("aria-invalid", "true");
    await expect(page.locator(`#${await minRetention.getAttribute("id")}-error`)).toHaveText(/^minRetention must be an ISO 8601 duration/);
    await expect(page.getByTestId("rule-error-summary").getByRole("link", { name: "Requirement: policy, minimum retention" })).toBeVisible();
    await expect(save).toBeDisabled();
    await attachScreenshot(page, testInfo, "rule-inline-validation.png");

    // Fixed: the what-if says which servers would change, and to what.
    await minRetention.fill("P7D");
    await expect(page.getByText("= 7 days")).toBeVisible();
    await preview.click();
    await expect(minRetention).not.toHaveAttribute("aria-invalid", "true");
    await expect(page.getByTestId("rule-error-summary")).toHaveCount(0);
    await expect(page.getByTestId("what-if-summary")).toHaveText(new RegExp(`^[1-9]\\d* of ${fleet.total} servers would change state\\.$`));
    const sample = page.getByTestId("what-if-sample").first();
    await expect(sample.locator("td").nth(2)).toHaveText(stateLabel("no_vault_in_region"));
    const changedServer = (await sample.getByRole("link").getAttribute("href"))!.split("/").pop()!;
    await attachScreenshot(page, testInfo, "rule-what-if.png");

    // An edit after the preview asks for a new one before saving.
    await page.getByLabel("Description", { exact: true }).fill("No vault matches: every governed server needs one");
    await expect(save).toBeDisabled();
    await preview.click();
    await expect(save).toBeEnabled();
    await save.click();
    await expect(page).toHaveURL(new RegExp(`/rules/${ruleId}\\?saved=1$`));
    await expect(page.getByTestId("rule-revision")).toHaveText("2");
    const diff = page.getByRole("table", { name: "Changes in revision 2" });
    await expect(diff.getByRole("row", { name: /requirement\.vault\.nameGlob/ })).toContainText('"bv-*"');
    await expect(diff.getByRole("row", { name: /requirement\.vault\.nameGlob/ })).toContainText('"no-such-vault-*"');
    await attachScreenshot(page, testInfo, "rule-saved-revisions.png");

    // After the evaluation the save requested, the server the what-if named has the state it predicted.
    await expectServerState(page, changedServer, stateLabel("no_vault_in_region"));
    await expect(page.getByTestId("verdict-rule")).toContainText(rule.name);
    await attachScreenshot(page, testInfo, "rule-verdict-changed.png");
    await page.goto("/rules");
    await expect(page.getByTestId("rule-row").filter({ hasText: rule.name })).toContainText(stateLabel("no_vault_in_region"));

    // Someone else saves while this editor is open: the save is refused and says who and what to do.
    await page.goto(`/rules/${ruleId}`);
    await expect(page.getByTestId("rule-revision")).toHaveText("2");
    const current = (await (await admin.get(`/api/rules/${ruleId}`)).json()) as { revision: number; rule: Record<string, unknown> };
    const other = await admin.put(`/api/rules/${ruleId}`, { data: { revision: current.revision, rule: { ...current.rule, description: "changed by the admin meanwhile" } } });
    expect(other.status(), await other.text()).toBe(200);
    await page.getByLabel("Description", { exact: true }).fill("my edit");
    await preview.click();
    await save.click();
    const conflict = page.getByTestId("rule-conflict");
    await expect(conflict).toContainText("Not saved: this rule changed while you were editing.");
    await expect(conflict).toContainText(/changed by admin at .* \(revision 3\)/);
    await expect(conflict.getByRole("link", { name: "Open the latest revision" })).toBeVisible();
    await attachScreenshot(page, testInfo, "rule-conflict.png");
  } finally {
    await admin.delete(`/api/rules/${ruleId}`);
  }
});

test("create a rule with the structured form: errors at their controls, JSON both ways, what-if, save", async ({ page }, testInfo) => {
  test.setTimeout(240_000);
  const admin = await apiAs("admin");
  await evaluated(admin);
  const fleet = await servers(admin, "sort=name");
  // Three servers of one subscription, away from those the other journeys use.
  const named = fleet.items.filter((s) => NAMEABLE.test(s.name)).slice(25);
  const subscription = named.find((s) => named.filter((o) => o.subscriptionId === s.subscriptionId).length >= 3)!.subscriptionId;
  const [a, b, c] = named.filter((s) => s.subscriptionId === subscription);
  const name = `form-rule-${Date.now()}`;
  const order = ++ruleOrder;
  let ruleId: string | null = null;
  try {
    await signIn(page, "operator");
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto("/rules/new");
    const scope = page.getByRole("group", { name: /^Scope/ });
    await expect(scope.getByText(/No conditions: the scope is the whole fleet/)).toBeVisible();
    await page.getByLabel("Name", { exact: true }).fill(name);
    await page.getByLabel(/^Order/).fill(String(order));

    // Server names: added from the keyboard; focus follows each new entry.
    await scope.getByRole("button", { name: "Server name", exact: true }).click();
    await expect(scope.getByLabel("Server name 1", { exact: true })).toBeFocused();
    await page.keyboard.type(a!.name);
    await scope.getByRole("button", { name: "Add another server name" }).click();
    await expect(scope.getByLabel("Server name 2", { exact: true })).toBeFocused();
    await page.keyboard.type(b!.name);
    await expect(scope.getByText(/No conditions/)).toHaveCount(0);
    // The inventory's subscriptions are offered; this one is mistyped on purpose.
    await expect(page.locator(`datalist#rule-dl-subscriptions option[value="${subscription}"]`)).toHaveCount(1);
    await scope.getByRole("button", { name: "Subscription", exact: true }).click();
    await scope.getByLabel("Subscription 1", { exact: true }).fill("not-a-guid");
    // A tag condition: "in" takes a list of values, "notExists" none.
    await scope.getByRole("button", { name: "Tag condition", exact: true }).click();
    const tag = scope.getByRole("group", { name: "Tag condition 1" });
    await tag.getByLabel("Key", { exact: true }).fill("flexguard-e2e-absent");
    await tag.getByLabel("Operator", { exact: true }).selectOption("in");
    await expect(tag.getByRole("group", { name: "Values (any of them)" })).toBeVisible();
    await tag.getByLabel("Operator", { exact: true }).selectOption("notExists");
    await expect(tag.getByLabel("Value", { exact: true })).toHaveCount(0);
    await expect(tag.getByRole("group", { name: "Values (any of them)" })).toHaveCount(0);

    // An exclusion takes the third server out again.
    await page.getByRole("button", { name: "Add an exclusion" }).click();
    const exclusion = page.getByRole("group", { name: "Exclusion 1" });
    await expect(exclusion.getByText(/This exclusion has no condition yet/)).toBeVisible();
    await exclusion.getByRole("button", { name: "Server name", exact: true }).click();
    await exclusion.getByLabel("Server name 1", { exact: true }).fill(c!.name);

    // Requirement: a vault named per region, with a malformed id, to see that error at its box too.
    await page.getByLabel("A vault named for each region").check();
    await page.getByRole("button", { name: "Add region" }).click();
    const regionRow = page.getByRole("group", { name: "Vault for region 1" });
    await expect(regionRow.getByLabel("Region", { exact: true })).toBeFocused();
    await page.keyboard.type("westeurope");
    await regionRow.getByLabel("Vault id", { exact: true }).fill("bv-we");
    await page.getByLabel("Minimum retention").fill("P7D");
    await page.getByLabel("Maximum interval between backups").fill("P1W");
    await expect(page.getByText("= 1 week")).toBeVisible();

    // The API's issues show at the controls holding the values, listed in a summary that links to them.
    await page.getByRole("button", { name: "Preview changes (what-if)" }).click();
    const subscriptionBox = scope.getByLabel("Subscription 1", { exact: true });
    await expect(subscriptionBox).toHaveAttribute("aria-invalid", "true");
    await expect(page.locator("#rule-scope-subscriptions-0-error")).toHaveText(/^subscription id must be a GUID/);
    await expect(regionRow.getByLabel("Vault id", { exact: true })).toHaveAttribute("aria-invalid", "true");
    await expect(page.locator("#rule-requirement-vault-vaults-0-vaultArmId-error")).toHaveText(/^vault id must be a Backup vault ARM id/);
    const summary = page.getByTestId("rule-error-summary");
    await expect(summary).toBeFocused();
    await expectAccessible(page, "structured rule editor with errors");
    await attachScreenshot(page, testInfo, "rule-form-errors.png");
    await summary.getByRole("link", { name: "Scope: subscription 1" }).click();
    await expect(subscriptionBox).toBeFocused();
    await subscriptionBox.fill(subscription.toUpperCase());
    // A vault and a policy from the inventory: the region's vaults are offered, and the vault's policies.
    const policyOptions = page.locator("datalist#rule-dl-policies option");
    expect(await policyOptions.count()).toBeGreaterThan(0);
    const offeredPolicy = (await policyOptions.first().getAttribute("value"))!;
    const vaultId = offeredPolicy.slice(0, offeredPolicy.toLowerCase().indexOf("/backuppolicies/"));
    const inventory = (await (await admin.get("/api/vaults")).json()) as { regions: { region: string; vaults: { armId: string; name: string }[] }[] };
    const home = inventory.regions.find((r) => r.vaults.some((v) => v.armId.toLowerCase() === vaultId.toLowerCase()))!;
    const vaultName = home.vaults.find((v) => v.armId.toLowerCase() === vaultId.toLowerCase())!.name;
    await regionRow.getByLabel("Region", { exact: true }).fill(home.region);
    await expect(regionRow.getByLabel("Vault id", { exact: true })).toHaveAttribute("list", `rule-dl-vaults-${home.region}`);
    await expect(page.locator(`datalist#rule-dl-vaults-${home.region} option[value="${vaultId}"]`)).toHaveCount(1);
    await regionRow.getByLabel("Vault id", { exact: true }).fill(vaultId);
    await expect(regionRow.getByText(`${vaultName} in ${home.region}`)).toBeVisible();
    // Switching kinds keeps what each held.
    await page.getByLabel("The vault in the server's region whose name or tags match").check();
    await expect(page.getByLabel("Vault name pattern")).toHaveValue("*");
    await page.getByLabel("A vault named for each region").check();
    await expect(regionRow.getByLabel("Vault id", { exact: true })).toHaveValue(vaultId);
    await page.getByLabel("A policy named for each vault").check();
    const coverage = page.getByTestId("policy-coverage");
    await expect(coverage).toContainText(`${vaultName}: no policy yet`);
    await coverage.getByRole("button", { name: new RegExp(`^Add policy .* of vault ${vaultName}$`) }).first().click();
    await expect(coverage).not.toContainText("no policy yet");
    const policyId = await page.getByLabel("Policy 1", { exact: true }).inputValue();
    expect(policyId.toLowerCase().startsWith(`${vaultId.toLowerCase()}/backuppolicies/`)).toBe(true);

    // As JSON and back: edits carry over both ways; JSON the form cannot show exactly is refused with the reason.
    const toggle = page.getByRole("button", { name: "Edit as JSON" });
    await toggle.click();
    await expect(toggle).toHaveAttribute("aria-pressed", "true");
    const scopeJson = page.getByLabel(/^Scope \(JSON/);
    expect(JSON.parse(await scopeJson.inputValue())).toEqual({
      subscriptions: [subscription.toUpperCase()],
      tags: [{ key: "flexguard-e2e-absent", operator: "notExists" }],
      serverNames: [a!.name, b!.name],
    });
    const requirementJson = page.getByLabel(/^Requirement \(JSON/);
    const requirement = JSON.parse(await requirementJson.inputValue()) as Record<string, unknown>;
    expect(requirement).toEqual({
      vault: { kind: "perRegion", vaults: [{ region: home.region, vaultArmId: vaultId }] },
      policy: { kind: "explicit", policyArmIds: [policyId] },
      roleAssignment: "templateOnly",
    });
    await requirementJson.fill(JSON.stringify({ ...requirement, roleAssignment: "assign" }, null, 2));
    const scopeText = await scopeJson.inputValue();
    await scopeJson.fill(JSON.stringify({ ...JSON.parse(scopeText), regions: [] }));
    await toggle.click();
    await expect(toggle).toHaveAttribute("aria-pressed", "true");
    await expect(scopeJson).toHaveAttribute("aria-invalid", "true");
    await expect(page.locator("#rule-scope-error")).toHaveText("scope.regions: is an empty list; leave the field out to place no condition on it");
    await expect(page.getByTestId("rule-error-summary").getByRole("link", { name: "Scope: regions" })).toBeVisible();
    await scopeJson.fill(scopeText);
    await toggle.click();
    await expect(toggle).toHaveAttribute("aria-pressed", "false");
    await expect(page.getByLabel("Flexguard may assign them itself", { exact: false })).toBeChecked();
    await expect(scope.getByLabel("Server name 2", { exact: true })).toHaveValue(b!.name);

    // What-if, then save; the stored rule is exactly what the form said.
    await page.getByRole("button", { name: "Preview changes (what-if)" }).click();
    await expect(page.getByTestId("what-if-summary")).toHaveText(new RegExp(`^\\d+ of ${formatCount(fleet.total)} servers would change state\\.$`));
    await expect(page.getByTestId("rule-error-summary")).toHaveCount(0);
    await attachScreenshot(page, testInfo, "rule-form-what-if.png");
    await page.getByRole("button", { name: "Create rule" }).click();
    await expect(page).toHaveURL(/\/rules\/[0-9a-f-]{36}\?saved=1$/);
    ruleId = new URL(page.url()).pathname.split("/").pop()!;
    const stored = (await (await admin.get(`/api/rules/${ruleId}`)).json()) as { rule: Record<string, unknown> };
    expect(stored.rule).toMatchObject({
      name,
      order,
      mode: "audit",
      enabled: true,
      scope: { subscriptions: [subscription], tags: [{ key: "flexguard-e2e-absent", operator: "notExists" }], serverNames: [a!.name, b!.name] },
      exclusions: [{ serverNames: [c!.name] }],
      requirement: {
        vault: { kind: "perRegion", vaults: [{ region: home.region, vaultArmId: vaultId }] },
        policy: { kind: "explicit", policyArmIds: [policyId] },
        roleAssignment: "assign",
      },
    });
    // The saved rule loads back into the form.
    await expect(page.getByRole("group", { name: /^Scope/ }).getByLabel("Subscription 1", { exact: true })).toHaveValue(subscription);
    await expect(page.getByRole("group", { name: "Exclusion 1" }).getByLabel("Server name 1", { exact: true })).toHaveValue(c!.name);
    await expectAccessible(page, "saved rule in the structured editor");
    await attachScreenshot(page, testInfo, "rule-form-saved.png");
    // The evaluation the save requested governs the two servers left in scope.
    await expect(async () => expect((await servers(admin, `rule=${ruleId}`)).items.map((s) => s.name).sort()).toEqual([a!.name, b!.name].sort())).toPass({ timeout: 90_000 });
  } finally {
    if (ruleId) await admin.delete(`/api/rules/${ruleId}`);
  }
});

test("grant an exemption: the server shows exempt, then the exemption expires and it does not", async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const admin = await apiAs("admin");
  const operator = await apiAs("operator");
  await evaluated(admin);
  const fleet = await servers(admin, "sort=name&dir=desc");
  const target = fleet.items.find((s) => NAMEABLE.test(s.name))!;
  const rule = journeyRule(`exemption-rule-${Date.now()}`, [target.name]);
  const ruleId = await createRule(admin, rule);
  try {
    const before = (await servers(admin, `rule=${ruleId}`)).items[0]!.verdictState;
    expect(before).not.toBe("exempt");
    const { server } = (await (await admin.get(`/api/servers/${target.id}`)).json()) as { server: { armId: string } };

    await signIn(page, "operator");
    await page.goto(`/exemptions?serverId=${target.id}`);
    await expect(page.getByLabel(/^Server ARM id/)).toHaveValue(server.armId);
    await page.getByLabel("From", { exact: true }).selectOption({ label: rule.name });
    await page.getByLabel("Category").selectOption("mitigated");
    await page.getByLabel("Justification").fill(`Journey ${rule.name}: restored from logical dumps`);
    // Long enough to see it apply, short enough to see it end.
    const expires = new Date(Date.now() + 100_000);
    await page.getByLabel(/^Expires/).fill(expires.toISOString().slice(0, 19));
    await page.getByRole("button", { name: "Grant exemption" }).click();
    await expect(page.getByTestId("exemption-granted")).toBeVisible();
    const row = page.getByTestId("exemption-row").filter({ hasText: `Journey ${rule.name}` });
    await expect(row).toContainText(target.name);
    await expect(row).toContainText(rule.name);
    await attachScreenshot(page, testInfo, "exemption-granted.png");

    await expectServerState(page, target.id, stateLabel("exempt"), Math.max(10_000, expires.getTime() - Date.now() - 5_000));
    await attachScreenshot(page, testInfo, "server-exempt.png");

    // Past the expiry, the next evaluation judges the server by its rule again.
    await page.waitForTimeout(Math.max(0, expires.getTime() - Date.now() + 1_000));
    const run = await operator.post("/api/evaluations", { data: {} });
    expect([200, 201]).toContain(run.status());
    await expectServerState(page, target.id, stateLabel(before));
    await attachScreenshot(page, testInfo, "server-exemption-expired.png");
    await page.goto("/exemptions?status=expired");
    await expect(page.getByTestId("exemption-row").filter({ hasText: `Journey ${rule.name}` })).toContainText("expired");
    await page.goto("/exemptions");
    await expect(page.getByTestId("exemption-row").filter({ hasText: `Journey ${rule.name}` })).toHaveCount(0);
  } finally {
    await admin.delete(`/api/rules/${ruleId}`);
  }
});

test("revoke an exemption from the list", async ({ page }) => {
  const admin = await apiAs("admin");
  await evaluated(admin);
  const { items } = await servers(admin, "pageSize=1");
  const justification = `Revoke me ${Date.now()}`;
  const res = await admin.post("/api/exemptions", {
    data: { target: { kind: "subscription", subscriptionId: items[0]!.subscriptionId }, ruleId: null, category: "waiver", justification, expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
  });
  expect(res.status(), await res.text()).toBe(201);
  await signIn(page, "operator");
  await page.goto("/exemptions");
  const row = page.getByTestId("exemption-row").filter({ hasText: justification });
  page.once("dialog", (dialog) => void dialog.accept());
  await row.getByRole("button", { name: /^Revoke the exemption/ }).click();
  await expect(row).toHaveCount(0);
  await page.goto("/exemptions?status=revoked");
  await expect(page.getByTestId("exemption-row").filter({ hasText: justification })).toContainText("revoked");
  // A bad expiry is refused at its field.
  await page.goto("/exemptions");
  await page.getByLabel("Exempt", { exact: true }).selectOption("subscription");
  await page.getByLabel("Subscription id").fill(items[0]!.subscriptionId);
  await page.getByLabel("Justification").fill("in the past");
  await page.getByLabel(/^Expires/).fill("2020-01-01T00:00:00");
  await page.getByRole("button", { name: "Grant exemption" }).click();
  await expect(page.getByLabel(/^Expires/)).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText("expiresAt must lie in the future")).toBeVisible();
});
