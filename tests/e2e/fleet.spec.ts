import { expect, test } from "@playwright/test";
import { e2e } from "../../playwright.config";
import { signIn } from "./support";

test("a fresh installation shows the emulator's fleet once the first scan has run", async ({ page }, testInfo) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/login$/); // nothing is shown to someone not signed in
  await signIn(page, "viewer");
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  // The seed queued the first scan; the worker may still be on it, so reload until the count lands.
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("server-count")).toHaveText(e2e.servers.toLocaleString("en-US"), { timeout: 1_000 });
  }).toPass({ timeout: 60_000 });
  await expect(page.getByTestId("scan-status")).toHaveText("succeeded");

  // The servers themselves are on the servers page.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Servers" }).click();
  await expect(page).toHaveURL(/\/servers$/);
  const rows = page.getByRole("table", { name: "Servers" }).locator("tbody tr");
  await expect(rows).toHaveCount(50);
  await expect(page.getByText(`Page 1 of ${Math.ceil(e2e.servers / 50)}`)).toBeVisible();

  await page.getByRole("link", { name: "Next" }).click();
  await expect(page).toHaveURL(/page=2/);
  await expect(rows).toHaveCount(50);
  await page.screenshot({ path: testInfo.outputPath("fleet.png"), fullPage: true });
});
