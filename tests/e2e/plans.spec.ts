// Remediation plans in the browser: an operator drafts a plan from the servers page's filter and submits it, a
// second person approves it with a comment; the author cannot approve their own plan; an approved plan runs to done.
import { expect, request as playwrightRequest, test, type APIRequestContext } from "@playwright/test";
import { e2e } from "../../playwright.config";
import { apiAs, fleetScanned, signIn } from "./support";

const RULE_NAME = "e2e-plans-enforce";

/** An enforce-mode rule over one subscription, letting Flexguard assign roles, so that its servers can be planned (made once). */
async function enforceRule(admin: APIRequestContext): Promise<{ ruleId: string; subscription: string }> {
  await fleetScanned(admin);
  const { rules } = (await (await admin.get("/api/rules")).json()) as { rules: { id: string; rule: { name: string; scope: { subscriptions?: string[] } } }[] };
  const existing = rules.find((r) => r.rule.name === RULE_NAME);
  if (existing) return { ruleId: existing.id, subscription: existing.rule.scope.subscriptions![0]! };
  // The subscription with the most non-compliant servers (other specs exempt whole subscriptions), else any.
  const bad = (await (await admin.get("/api/servers?state=non_compliant&pageSize=1000")).json()) as { items: { subscriptionId: string }[] };
  const any = (await (await admin.get("/api/servers?pageSize=1")).json()) as { items: { subscriptionId: string }[] };
  const counts = new Map<string, number>();
  for (const s of bad.items) counts.set(s.subscriptionId, (counts.get(s.subscriptionId) ?? 0) + 1);
  const subscription = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? any.items[0]!.subscriptionId;
  const res = await admin.post("/api/rules", {
    data: {
      name: RULE_NAME,
      order: 700_000,
      mode: "enforce",
      scope: { subscriptions: [subscription] },
      requirement: { vault: { kind: "matchInRegion", nameGlob: "bv-*" }, policy: { kind: "constraints", minRetention: "P7D" }, roleAssignment: "assign" },
    },
  });
  expect(res.status(), await res.text()).toBe(201);
  const rule = (await res.json()) as { id: string };
  await expect(async () => {
    await admin.post("/api/evaluations", { data: {} });
    const governed = (await (await admin.get(`/api/servers?rule=${rule.id}&state=non_compliant&pageSize=1`)).json()) as { total: number };
    expect(governed.total).toBeGreaterThan(0);
  }).toPass({ timeout: 60_000 });
  return { ruleId: rule.id, subscription };
}

test("an operator drafts a plan from the servers page filter and an approver approves it", async ({ page, browser }) => {
  const admin = await apiAs("admin");
  const { ruleId, subscription } = await enforceRule(admin);

  // The operator filters the servers page and plans every server matching the filters.
  await signIn(page, "operator");
  await page.goto(`/servers?rule=${ruleId}&state=non_compliant`);
  await page.getByRole("radio", { name: /matching the filters/ }).check();
  await page.getByTestId("create-plan").click();
  await expect(page).toHaveURL(/\/remediation\/new\?/);
  await expect(page.getByTestId("plan-selection")).toContainText("Non-compliant servers matching");
  await expect(page.getByTestId("preview-items")).not.toHaveText("0");
  const name = `Protect ${subscription.slice(0, 8)} <b>now</b>`;
  await page.getByLabel("Plan name").fill(name);
  await page.getByRole("button", { name: "Draft plan" }).click();
  await expect(page).toHaveURL(/\/remediation\/[0-9a-f-]{36}$/);
  const planUrl = page.url();
  // Names are text, never markup.
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(name);
  await expect(page.getByTestId("plan-status-text")).toHaveText("Draft");
  await expect(page.getByRole("table", { name: "Plan items" })).toBeVisible();
  await page.getByRole("button", { name: "Submit for approval" }).click();
  await expect(page.getByTestId("plan-status-text")).toHaveText("Awaiting approval");
  // The operator has no approver role: no decision form.
  await expect(page.getByRole("button", { name: "Approve" })).toHaveCount(0);
  const hash = (await page.getByTestId("plan-hash").textContent())!.trim();

  // A second person, an approver, approves it with a comment.
  const context = await browser.newContext();
  const approverPage = await context.newPage();
  await signIn(approverPage, "approver");
  await approverPage.goto(planUrl);
  await expect(approverPage.getByText(`content hash ${hash}`)).toBeVisible();
  const approve = approverPage.getByRole("button", { name: "Approve" });
  await expect(approve).toBeDisabled(); // no comment yet
  await approverPage.getByLabel("Comment").fill("Checked the items against the change ticket");
  await approve.click();
  await expect(approverPage.getByTestId("plan-status-text")).toHaveText("Approved");
  await expect(approverPage.getByTestId("plan-decision")).toContainText("approver: Checked the items against the change ticket");
  await context.close();

  const planId = planUrl.split("/").pop()!;
  const approved = (await (await admin.get(`/api/plans/${planId}?pageSize=1`)).json()) as { status: string; approvedHash: string; contentHash: string; executable: boolean };
  expect(approved).toMatchObject({ status: "APPROVED", approvedHash: hash, contentHash: hash, executable: true });
  const awaiting = (await (await admin.get("/api/plans?status=approved")).json()) as { items: { id: string }[] };
  expect(awaiting.items.map((p) => p.id)).toContain(planId);
});

test("the author of a plan cannot approve it, even as an admin", async ({ page }) => {
  const admin = await apiAs("admin");
  const { ruleId } = await enforceRule(admin);
  const drafted = await admin.post("/api/plans", { data: { name: "admin's own plan", selection: { kind: "filter", filter: { rule: ruleId } } } });
  expect(drafted.status(), await drafted.text()).toBe(201);
  const plan = (await drafted.json()) as { id: string; contentHash: string };
  expect((await admin.post(`/api/plans/${plan.id}/submit`, { data: {} })).status()).toBe(200);
  // Through the API: refused; on the page: the button is disabled and says why.
  const self = await admin.post(`/api/plans/${plan.id}/approve`, { data: { contentHash: plan.contentHash, comment: "mine" } });
  expect(self.status()).toBe(403);
  await signIn(page, "admin");
  await page.goto(`/remediation/${plan.id}`);
  await expect(page.getByText("You drafted or edited this plan; someone else must approve it")).toBeVisible();
  await expect(page.getByRole("button", { name: "Approve" })).toBeDisabled();
  // A stale hash is a conflict for anyone.
  const approver = await apiAs("approver");
  const stale = await approver.post(`/api/plans/${plan.id}/approve`, { data: { contentHash: "0".repeat(64), comment: "ok" } });
  expect(stale.status()).toBe(409);
});

test("an approved plan runs to done in the browser and its servers become compliant", async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const admin = await apiAs("admin");
  const { ruleId } = await enforceRule(admin);
  const drafted = await admin.post("/api/plans", {
    data: { name: "run to done", selection: { kind: "filter", filter: { rule: ruleId } }, options: { firstBackup: true } },
  });
  expect(drafted.status(), await drafted.text()).toBe(201);
  const plan = (await drafted.json()) as { id: string; contentHash: string };
  expect((await admin.post(`/api/plans/${plan.id}/submit`, { data: {} })).status()).toBe(200);
  const approver = await apiAs("approver");
  const approved = await approver.post(`/api/plans/${plan.id}/approve`, { data: { contentHash: plan.contentHash, comment: "go" } });
  expect(approved.status(), await approved.text()).toBe(200);

  // Emulated Azure runs 600 times faster here, so that RBAC propagation and the first backup take seconds.
  const emu = await playwrightRequest.newContext({ baseURL: `https://127.0.0.1:${e2e.emulatorPort}`, ignoreHTTPSErrors: true });
  await emu.post("/_emulator/time", { data: { timeFactor: 600 } });
  try {
    await signIn(page, "operator");
    await page.goto(`/remediation/${plan.id}`);
    await page.getByRole("button", { name: "Start run" }).click();
    await expect(page.getByRole("progressbar", { name: "Run progress" })).toBeVisible();
    await expect(page.getByTestId("plan-status")).toHaveText(/^succeeded/, { timeout: 240_000 });
    await expect(page.getByRole("progressbar", { name: "Run progress" })).toHaveAttribute("value", "100");
    await testInfo.attach("plan-run-done", { body: await page.screenshot({ fullPage: true }), contentType: "image/png" });

    // Every server the run protected is compliant once a scan has seen it.
    const detail = (await (await admin.get(`/api/plans/${plan.id}?pageSize=500`)).json()) as {
      items: { rows: { kind: string; status: string; action: { server?: { id: string } } }[] };
    };
    const protectedIds = detail.items.rows.filter((r) => r.status === "SUCCEEDED" && r.action.server).map((r) => r.action.server!.id);
    expect(protectedIds.length).toBeGreaterThan(0);
    expect(detail.items.rows.filter((r) => r.status === "FAILED" || r.status === "RUNNING")).toEqual([]);
    await expect(async () => {
      const scan = await admin.post("/api/scans", { data: {} });
      expect(scan.status()).toBeLessThan(300);
      for (const id of protectedIds) {
        const server = (await (await admin.get(`/api/servers/${id}`)).json()) as { verdict: { state: string } | null };
        expect(server.verdict?.state, id).toBe("compliant");
      }
    }).toPass({ timeout: 120_000, intervals: [5_000] });
  } finally {
    await emu.post("/_emulator/time", { data: { timeFactor: 1 } });
  }
});
