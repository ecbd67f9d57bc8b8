// Signing in as the demo users the stack seeded (one per role), in a browser page or an API request context.
import { readFileSync } from "node:fs";
import { expect, request as playwrightRequest, type APIRequestContext, type Page } from "@playwright/test";
import { e2e } from "../../playwright.config";

export type DemoRole = "viewer" | "operator" | "approver" | "admin" | "scoped-operator";
export const baseURL = `http://127.0.0.1:${e2e.webPort}`;

export function demoPassword(username: DemoRole): string {
  const file = `.flexguard/demo-users-${e2e.database}.json`;
  const users = (JSON.parse(readFileSync(file, "utf8")) as { users: { username: string; password: string }[] }).users;
  return users.find((u) => u.username === username)!.password;
}

/** Signs in through the login page, as a person does. */
export async function signIn(page: Page, username: DemoRole): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("User name").fill(username);
  await page.getByLabel("Password").fill(demoPassword(username));
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("whoami")).toHaveText(username);
}

/** An API client with a session cookie for the user (next-auth's CSRF-protected credentials callback). */
export async function apiAs(username: DemoRole): Promise<APIRequestContext> {
  const context = await playwrightRequest.newContext({ baseURL, extraHTTPHeaders: { origin: baseURL } });
  const { csrfToken } = (await (await context.get("/api/auth/csrf")).json()) as { csrfToken: string };
  const res = await context.post("/api/auth/callback/password", {
    form: { username, password: demoPassword(username), csrfToken, json: "true" },
    maxRedirects: 0,
  });
  expect([200, 302], `sign-in as ${username} answered ${res.status()}: ${await res.text()}`).toContain(res.status());
  const me = await context.get("/api/me");
  expect(me.status(), `signed in as ${username}`).toBe(200);
  return context;
}

/** An API client with a bearer token and no cookies, as a script or the CLI. */
export async function apiWithToken(token: string): Promise<APIRequestContext> {
  return playwrightRequest.newContext({ baseURL, extraHTTPHeaders: { authorization: `Bearer ${token}` } });
}

/** An API client with nobody signed in. */
export async function anonymousApi(): Promise<APIRequestContext> {
  return playwrightRequest.newContext({ baseURL, extraHTTPHeaders: { origin: baseURL } });
}

/** Waits until the first scan has stored the whole generated fleet. */
export async function fleetScanned(api: APIRequestContext): Promise<void> {
  await expect(async () => {
    const { total } = (await (await api.get("/api/servers?pageSize=1")).json()) as { total: number };
    expect(total).toBe(e2e.servers);
  }).toPass({ timeout: 60_000 });
}
