// Values from Azure reach people only as text; and the CLI drives a remote Flexguard with an API token.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect, test } from "@playwright/test";
import { apiAs, baseURL, fleetScanned, signIn } from "./support";

const run = promisify(execFile);

test("hostile tag values from the fleet are shown as text, never run as HTML", async ({ page }, testInfo) => {
  const viewer = await apiAs("viewer");
  await fleetScanned(viewer);
  const { items } = (await (await viewer.get("/api/servers?pageSize=1000")).json()) as { items: { name: string; tags: Record<string, string> }[] };
  const index = items.findIndex((s) => Object.values(s.tags).some((v) => /<[a-z]/i.test(v)));
  expect(index, "the generated fleet carries HTML in some tag values").toBeGreaterThanOrEqual(0);
  const hostile = Object.values(items[index]!.tags).find((v) => /<[a-z]/i.test(v))!;

  const dialogs: string[] = [];
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await signIn(page, "viewer");
  await page.goto(`/?page=${Math.floor(index / 50) + 1}`);
  const row = page.getByRole("row").filter({ hasText: items[index]!.name });
  await expect(row).toContainText(hostile);
  expect(await page.locator("tbody script, tbody img, tbody iframe").count()).toBe(0);
  expect(dialogs).toEqual([]);
  await page.screenshot({ path: testInfo.outputPath("hostile-tags.png"), fullPage: false });
});

test("flexguard scan --wait runs a scan on a remote Flexguard with an API token", async () => {
  const operator = await apiAs("operator");
  const { token } = (await (await operator.post("/api/tokens", { data: { name: "cli", role: "operator" } })).json()) as { token: string };
  const { stdout } = await run(process.execPath, ["bin/flexguard.js", "scan", "--wait", "--json", "--timeout", "120"], {
    env: { ...process.env, FLEXGUARD_URL: baseURL, FLEXGUARD_TOKEN: token, DATABASE_URL: "postgresql://nobody@127.0.0.1:1/unused" },
    timeout: 150_000,
  });
  const result = JSON.parse(stdout) as { status: string; counts: { servers: number } };
  expect(result.status).toBe("SUCCEEDED");
  expect(result.counts.servers).toBeGreaterThan(0);

  const viewer = await apiAs("viewer");
  const { token: viewerToken } = (await (await viewer.post("/api/tokens", { data: { name: "cli-viewer", role: "viewer" } })).json()) as { token: string };
  const refused = await run(process.execPath, ["bin/flexguard.js", "scan"], { env: { ...process.env, FLEXGUARD_URL: baseURL, FLEXGUARD_TOKEN: viewerToken } }).catch((e: { code: number; stderr: string }) => e);
  expect(refused).toMatchObject({ code: 1, stderr: expect.stringMatching(/FORBIDDEN: Your role \(viewer\) does not allow scan:run/) });
});
