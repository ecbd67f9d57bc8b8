// Shared plumbing for the emulator's integration tests: an in-process emulator on port 0, the
// unsigned-JWT credential, a ServiceClient with the real pipeline trusting the emulator's
// certificate, an ARM long-running-operation poller, and a traffic recorder for oav.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type TokenCredential } from "@azure/core-auth";
import { ServiceClient } from "@azure/core-client";
import { type PipelinePolicy, type PipelineResponse, createHttpHeaders, createPipelineRequest } from "@azure/core-rest-pipeline";
import { makeEmulatorToken } from "@/emulator/auth";
import { type EmulatorOptions, type RunningEmulator, startEmulator } from "@/emulator/server";

export const FLEXGUARD = "00000000-0000-4000-8000-00000000f1e9";
export const DBA = "00000000-0000-4000-8000-0000000000ad";
export const ARM_SCOPE = "https://management.azure.com/.default";

export function credentialFor(principalId: string, tenantId = "00000000-0000-4000-8000-0000000000e1"): TokenCredential {
  return { getToken: async () => ({ token: makeEmulatorToken({ oid: principalId, tid: tenantId, name: `principal ${principalId}` }), expiresOnTimestamp: Date.now() + 3_600_000 }) };
}

export async function startTestEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  // npm run fidelity: every Azure exchange of the run is kept for Microsoft's validator.
  return startEmulator({ port: 0, seed: 3, servers: 240, subscriptions: 4, recordDir: process.env.EMULATOR_RECORD_DIR || undefined, ...options });
}

export interface Exchange {
  method: string;
  url: string;
  requestHeaders: Record<string, string>;
  requestBody: unknown;
  status: number;
  responseHeaders: Record<string, string>;
  responseBody: unknown;
}

/** A pipeline policy that keeps every request/response pair, for oav's traffic validation. */
export function trafficRecorder(): { policy: PipelinePolicy; exchanges: Exchange[] } {
  const exchanges: Exchange[] = [];
  const policy: PipelinePolicy = {
    name: "emulatorTrafficRecorder",
    async sendRequest(request, next) {
      const response = await next(request);
      let requestBody: unknown;
      if (typeof request.body === "string" && request.body !== "") requestBody = JSON.parse(request.body);
      let responseBody: unknown;
      if (response.bodyAsText) {
        try {
          responseBody = JSON.parse(response.bodyAsText);
        } catch {
          responseBody = response.bodyAsText;
        }
      }
      exchanges.push({
        method: request.method,
        url: request.url,
        requestHeaders: request.headers.toJSON(),
        requestBody,
        status: response.status,
        responseHeaders: response.headers.toJSON(),
        responseBody,
      });
      return response;
    },
  };
  return { policy, exchanges };
}

export function armClient(emulator: RunningEmulator, principalId: string, recorder?: PipelinePolicy): ServiceClient {
  const client = new ServiceClient({
    endpoint: emulator.url,
    credential: credentialFor(principalId),
    credentialScopes: [ARM_SCOPE],
    tlsOptions: { ca: emulator.certPem },
    retryOptions: { maxRetries: 0 },
  });
  if (recorder) client.pipeline.addPolicy(recorder, { afterPhase: "Retry" });
  return client;
}

export interface ArmResponse<T = Record<string, unknown>> {
  status: number;
  headers: Record<string, string>;
  body: T;
}

/** One ARM call through the client's real pipeline (bearer policy, TLS, retry settings). */
export async function arm<T = Record<string, unknown>>(client: ServiceClient, emulator: RunningEmulator, method: string, pathOrUrl: string, body?: unknown): Promise<ArmResponse<T>> {
  const url = pathOrUrl.startsWith("https://") ? pathOrUrl : `${emulator.url}${pathOrUrl}`;
  const request = createPipelineRequest({
    url,
    method: method as "GET",
    headers: createHttpHeaders({ "content-type": "application/json" }),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const response: PipelineResponse = await client.sendRequest(request);
  return {
    status: response.status,
    headers: response.headers.toJSON(),
    body: (response.bodyAsText ? JSON.parse(response.bodyAsText) : undefined) as T,
  };
}

/** Follows Azure-AsyncOperation until a terminal status, moving emulated time instead of sleeping. */
export async function pollOperation(client: ServiceClient, emulator: RunningEmulator, start: ArmResponse<unknown>): Promise<Record<string, unknown>> {
  const monitor = start.headers["azure-asyncoperation"];
  if (!monitor) throw new Error(`no Azure-AsyncOperation header in a ${start.status} response`);
  for (let attempt = 0; attempt < 20; attempt++) {
    const status = await arm(client, emulator, "GET", monitor);
    const value = String(status.body.status);
    if (/^(succeeded|failed|canceled)$/i.test(value)) return status.body;
    await advance(emulator, Number(start.headers["retry-after"] ?? 1) * 60);
  }
  throw new Error("operation did not finish");
}

export async function admin<T = Record<string, unknown>>(emulator: RunningEmulator, method: "GET" | "POST", endpoint: string, body?: unknown): Promise<T> {
  const response = await fetchInsecure(`${emulator.adminUrl}/${endpoint}`, emulator.certPem, method, body);
  return response as T;
}

export async function advance(emulator: RunningEmulator, seconds: number): Promise<void> {
  await admin(emulator, "POST", "time", { advanceSeconds: seconds });
}

async function fetchInsecure(url: string, ca: string, method: string, body?: unknown): Promise<unknown> {
  const { request } = await import("node:https");
  return new Promise((resolve, reject) => {
    const req = request(url, { method, ca, headers: { "content-type": "application/json" } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => {
        const parsed = text ? JSON.parse(text) : undefined;
        if ((res.statusCode ?? 500) >= 400) reject(new Error(`admin ${method} ${url}: ${res.statusCode} ${text}`));
        else resolve(parsed);
      });
    });
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Writes exchanges in oav's traffic format (one file each), with Azure's real host in the URL. */
export function writeTraffic(dir: string, exchanges: Exchange[], emulatorUrl: string, filter: (e: Exchange) => boolean): number {
  mkdirSync(dir, { recursive: true });
  let count = 0;
  for (const exchange of exchanges.filter(filter)) {
    const url = exchange.url.replace(emulatorUrl, "https://management.azure.com");
    const rewrite = (headers: Record<string, string>) =>
      Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.replace(emulatorUrl, "https://management.azure.com")]));
    writeFileSync(
      path.join(dir, `${String(count++).padStart(4, "0")}.json`),
      JSON.stringify({
        liveRequest: { method: exchange.method, url, headers: rewrite(exchange.requestHeaders), body: exchange.requestBody ?? null },
        liveResponse: { statusCode: String(exchange.status), headers: rewrite(exchange.responseHeaders), body: exchange.responseBody ?? null },
      }),
    );
  }
  return count;
}
