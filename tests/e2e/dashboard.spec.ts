// The dashboard's first journeys against the real product: the overview agrees with GET /api/status and with
// `flexguard status --json`; the servers table filters through the URL, sorts, pages and exports; a server shows
// its verdict and timeline. Every page passes axe, and no page trips the Content Security Policy.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { formatCount, formatShare, stateLabel } from "@/app/_components/format";
import type { FleetStatus } from "@/core/evaluation/fleet-status";
import { apiAs, baseURL, fleetScanned, signIn } from "./support";

const run = promisify(execFile);

interface ServerPage {
  total: number;
  items: { id: string; name: string; verdictState: string; location: string }[];
}

/** The fleet once scanned and evaluated: every server has a verdict, so the figures stand still. */
async function evaluatedStatus(api: APIRequestContext): Promise<FleetStatus> {
  await fleetScanned(api);
  let status: FleetStatus | undefined;
  await expect(async () => {
    status = (await (await api.get("/api/status")).json()) as FleetStatus;
    expect(status.lastEvaluation?.status).toBe("SUCCEEDED");
    expect(status.states.not_evaluated ?? 0).toBe(0);
  }).toPass({ timeout: 60_000 });
  return status!;
}

async function expectAccessible(page: Page, what: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  expect(violations.map((v) => `${what}: ${v.id} (${v.nodes.length}): ${v.help}`)).toEqual([]);
}

/** Collects Content Security Policy violations the browser reports on the page. */
function cspViolations(page: Page): string[] {
  const found: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) found.push(`${page.url()}: ${m.text()}`);
  });
  return found;
}

test("the overview shows the same figures as GET /api/status and flexguard status --json", async ({ page }, testInfo) => {
  const viewer = await apiAs("viewer");
  const status = await evaluatedStatus(viewer);
  const violations = cspViolations(page);

  await signIn(page, "viewer");
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Overview", level: 1 })).toBeVisible();
  await expect(page.getByTestId("server-count")).toHaveText(formatCount(status.servers));
  await expect(page.getByTestId("compliant-count")).toHaveText(formatCount(status.compliant));
  await expect(page.getByTestId("non-compliant-count")).toHaveText(formatCount(status.nonCompliant));
  await expect(page.getByTestId("compliant-share")).toHaveText(formatShare(status.compliantShare));
  for (const [state, n] of Object.entries(status.states)) await expect(page.getByTestId(`state-count-${state}`)).toHaveText(formatCount(n));
  await expect(page.getByTestId("evaluation-status")).toHaveText("succeeded");
  // The trend chart draws (in the browser, under the CSP) from today's aggregates.
  await expect(page.getByTestId("trend-chart").locator(".recharts-wrapper > svg.recharts-surface")).toBeVisible();
  await expect(page.getByTestId("trend-chart").locator(".recharts-bar-rectangle").first()).toBeVisible();
  // A viewer may not scan: no button.
  await expect(page.getByRole("button", { name: "Scan now" })).toHaveCount(0);
  await expectAccessible(page, "overview");
  await page.screenshot({ path: testInfo.outputPath("overview.png"), fullPage: true });

  // The CLI, driving this Flexguard with a viewer's token, prints the same figures.
  const { token } = (await (await viewer.post("/api/tokens", { data: { name: "dashboard-cli", role: "viewer" } })).json()) as { token: string };
  const { stdout } = await run(process.execPath, ["bin/flexguard.js", "status", "--json"], {
    env: { ...process.env, FLEXGUARD_URL: baseURL, FLEXGUARD_TOKEN: token, DATABASE_URL: "postgresql://nobody@127.0.0.1:1/unused" },
    timeout: 60_000,
  });
  const cli = JSON.parse(stdout) as FleetStatus;
  const figures = (s: FleetStatus) => ({ servers: s.servers, states: s.states, compliant: s.compliant, nonCompliant: s.nonCompliant, compliantShare: s.compliantShare });
  expect(figures(cli)).toEqual(figures(status));
  expect(violations).toEqual([]);
});

test("filter the servers to a state through the URL, sort, page, export and open a server", async ({ page }, testInfo) => {
  const viewer = await apiAs("viewer");
  const status = await evaluatedStatus(viewer);
  const [state, count] = Object.entries(status.states).sort((a, b) => b[1] - a[1])[0]!;
  const violations = cspViolations(page);
  await signIn(page, "viewer");

  // The overview's state row leads to the filtered table; the filter is in the URL.
  await page.goto("/");
  await page.getByRole("link", { name: `${stateLabel(state)}: show the servers` }).click();
  await expect(page).toHaveURL(new RegExp(`/servers\\?state=${state}$`));
  await expect(page.getByTestId("server-total")).toHaveText(new RegExp(`^${formatCount(count)} servers? match$`));
  const table = page.getByRole("table", { name: "Servers" });
  const rows = table.locator("tbody tr");
  await expect(rows).toHaveCount(Math.min(50, count));
  await expect(rows.first().getByText(stateLabel(state))).toBeVisible();
  await expectAccessible(page, "servers");
  await page.screenshot({ path: testInfo.outputPath("servers-filtered.png"), fullPage: true });

  // A filter that matches nothing shows the empty state, from the form, which writes the URL.
  const other = ["compliant", "unprotected"].find((s) => !status.states[s]) ?? "wrong_policy";
  await page.getByLabel("Verdict").selectOption(other);
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(new RegExp(`state=${other}`));
  await expect(page.getByText("No servers match these filters.")).toBeVisible();
  await expectAccessible(page, "servers, empty");

  // Sort by name, descending, through the column header: the order is the database's, over every match.
  await page.goto(`/servers?state=${state}`);
  await table.getByRole("link", { name: "Name" }).click();
  await expect(page).toHaveURL(/dir=desc/);
  await expect(table.getByRole("columnheader", { name: "Name" })).toHaveAttribute("aria-sort", "descending");
  const byNameDesc = (await (await viewer.get(`/api/servers?state=${state}&sort=name&dir=desc&pageSize=50`)).json()) as ServerPage;
  await expect(rows.first().getByRole("link")).toHaveText(byNameDesc.items[0]!.name);
  await table.getByRole("link", { name: "Region" }).click();
  await expect(page).toHaveURL(/sort=region/);
  await expect(table.getByRole("columnheader", { name: "Region" })).toHaveAttribute("aria-sort", "ascending");
  const byRegion = (await (await viewer.get(`/api/servers?state=${state}&sort=region&pageSize=50`)).json()) as ServerPage;
  await expect(rows.first().getByRole("link")).toHaveText(byRegion.items[0]!.name);

  // Page: the second page is the API's second page of the same view.
  if (count > 50) {
    await page.getByRole("link", { name: "Next" }).click();
    await expect(page).toHaveURL(/page=2/);
    await expect(page.getByText(`Page 2 of ${Math.ceil(count / 50)}`)).toBeVisible();
    const second = (await (await viewer.get(`/api/servers?state=${state}&sort=region&page=2&pageSize=50`)).json()) as ServerPage;
    await expect(rows.first().getByRole("link")).toHaveText(second.items[0]!.name);
  }
  await page.screenshot({ path: testInfo.outputPath("servers-sorted-paged.png"), fullPage: true });

  // The export link exports the view shown (every page of it), as an attachment.
  const href = (await page.getByRole("link", { name: /Export CSV/ }).getAttribute("href"))!;
  expect(href).toMatch(new RegExp(`^/api/servers/export\\?.*state=${state}`));
  expect(href).not.toMatch(/page=/);
  const csv = await viewer.get(href);
  expect(csv.headers()["content-disposition"]).toMatch(/^attachment; filename="flexguard-servers-/);
  expect((await csv.text()).trimEnd().split("\r\n")).toHaveLength(count + 1);

  // Open a server: its facts, verdict with the rule revision, and its timeline.
  const first = rows.first().getByRole("link");
  const name = (await first.textContent())!;
  await first.click();
  await expect(page).toHaveURL(/\/servers\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  await expect(page.getByTestId("verdict-state")).toHaveText(stateLabel(state));
  await expect(page.getByTestId("verdict-rule")).toBeVisible();
  await expect(page.getByTestId("timeline").locator("li").first()).toContainText(stateLabel(state));
  await expectAccessible(page, "server");
  await page.screenshot({ path: testInfo.outputPath("server.png"), fullPage: true });

  // A server id that does not exist (or is outside the viewer's subscriptions) shows the not-found page, not an
  // error. The status stays 200: the loading state has already streamed when the page finds nothing.
  await page.goto("/servers/00000000-0000-4000-8000-000000000000");
  await expect(page.getByRole("heading", { name: "Server not found" })).toBeVisible();
  expect(violations).toEqual([]);
});
