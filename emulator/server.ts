// startEmulator(): the HTTPS server. Every Azure request goes through one pipeline, in ARM's
// order: authentication (401), due emulated-time events, routing (404), api-version (400),
// throttling (429), injected faults (500/503), then the handler. /_emulator/* is the admin API,
// outside Azure's paths, without authentication or limits.
import { randomUUID } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import Fastify, { type FastifyReply, type FastifyRequest } from "fastify";
import { generate as generateCertificate } from "selfsigned";
import { ZodError } from "zod";
import { authenticate } from "./auth.ts";
import { ArmError, armErrors } from "./errors.ts";
import { FLEXGUARD_PRINCIPAL_ID } from "./fleet/generate.ts";
import { type FleetDescriptionInput, fleetSchema } from "./fleet/schema.ts";
import { type LimitsConfig } from "./limits.ts";
import { adminRoutes } from "./routes/admin.ts";
import { authorizationRoutes } from "./routes/authorization.ts";
import { dataProtectionRoutes } from "./routes/data-protection.ts";
import { deploymentRoutes } from "./routes/deployments.ts";
import { resourceGraphRoutes } from "./routes/resource-graph.ts";
import { type RequestContext, type Route } from "./routes/types.ts";
import { EmulatorState } from "./state.ts";
import { trafficRecorder } from "./traffic.ts";
import { type Timings } from "./store/store.ts";

export interface EmulatorOptions {
  host?: string;
  /** 0 = any free port */
  port?: number;
  seed?: number | string;
  servers?: number;
  subscriptions?: number;
  /** Where to write the PEM certificate clients must trust (directory created). */
  certFile?: string;
  /** A fleet description to load instead of generating one. */
  fleet?: FleetDescriptionInput;
  /** Emulated seconds per wall-clock second. */
  timeFactor?: number;
  /** Throttling on (default) or off. */
  limits?: boolean | Partial<LimitsConfig>;
  flexguardPrincipalId?: string;
  timings?: Partial<Timings>;
  /** Log requests to stderr (pino through Fastify). */
  log?: boolean;
  /** Write every Azure exchange into this folder in oav's traffic format (emulator/traffic.ts). */
  recordDir?: string;
}

export interface RunningEmulator {
  url: string;
  port: number;
  certPem: string;
  state: EmulatorState;
  /** Base URL of the admin API (`${url}/_emulator`). */
  adminUrl: string;
  close(): Promise<void>;
}

const AZURE_ROUTES: Route[] = [...resourceGraphRoutes, ...dataProtectionRoutes, ...authorizationRoutes, ...deploymentRoutes];

export async function startEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  const host = options.host ?? "127.0.0.1";
  const limits: Partial<LimitsConfig> =
    options.limits === undefined || options.limits === true ? { enabled: true } : options.limits === false ? { enabled: false } : options.limits;
  const state = new EmulatorState(
    options.fleet
      ? { kind: "described", fleet: fleetSchema.parse(options.fleet) }
      : {
          kind: "generated",
          options: {
            seed: options.seed ?? 1,
            servers: options.servers ?? 1200,
            subscriptions: options.subscriptions ?? 12,
            flexguardPrincipalId: options.flexguardPrincipalId ?? FLEXGUARD_PRINCIPAL_ID,
          },
        },
    { timeFactor: options.timeFactor, limits, timings: options.timings, faultSeed: options.seed },
  );

  const pems = await generateCertificate([{ name: "commonName", value: "localhost" }], {
    keySize: 2048,
    algorithm: "sha256",
    notAfterDate: new Date(Date.now() + 30 * 86_400_000),
    extensions: [
      { name: "basicConstraints", cA: true },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames: [{ type: 2, value: "localhost" }, { type: 7, ip: "127.0.0.1" }, { type: 7, ip: "::1" }] },
    ],
  });
  if (options.certFile) {
    await mkdir(path.dirname(path.resolve(options.certFile)), { recursive: true });
    await writeFile(options.certFile, pems.cert);
  }

  const app = Fastify({
    https: { key: pems.private, cert: pems.cert },
    logger: options.log ? { level: "info" } : false,
    bodyLimit: 1024 * 1024 * 1024,
    // ARM paths are case-insensitive; routing is done by our own table below.
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true },
  });
  let publicUrl = "";
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_request, body, done) => done(null, body));
  if (options.recordDir) {
    const recorder = trafficRecorder(options.recordDir, () => publicUrl);
    app.addHook("onSend", async (request, reply, payload) => {
      if (!request.url.toLowerCase().startsWith("/_emulator")) {
        recorder.record({
          method: request.method,
          pathAndQuery: request.url,
          requestHeaders: request.headers,
          requestBody: typeof request.body === "string" ? request.body : "",
          status: reply.statusCode,
          responseHeaders: reply.getHeaders(),
          responseBody: typeof payload === "string" ? payload : "",
        });
      }
      return payload;
    });
  }

  app.all("/*", async (request, reply) => {
    const rawBody = typeof request.body === "string" ? request.body : "";
    // SDKs join "/{scope}" with scopes that start with "/", so paths may hold "//"; ARM ignores them.
    const [rawPath = "/", rawQuery] = request.url.split(/\?(.*)/s, 2);
    const url = new URL(`${rawPath.replace(/\/{2,}/g, "/")}${rawQuery !== undefined ? `?${rawQuery}` : ""}`, "https://emulator.local");
    const baseUrl = `https://${request.headers.host ?? `${host}:${port}`}`;
    if (url.pathname.toLowerCase().startsWith("/_emulator")) return handleAdmin(request, reply, url, rawBody);
    return handleAzure(request, reply, url, rawBody, baseUrl);
  });

  async function handleAdmin(request: FastifyRequest, reply: FastifyReply, url: URL, rawBody: string) {
    const route = adminRoutes.find((r) => r.method === request.method && r.pattern.test(url.pathname));
    try {
      if (!route) throw new ArmError(404, "NotFound", `No admin endpoint ${request.method} ${url.pathname}.`);
      const body = parseJsonBody(rawBody);
      const result = await route.handle({ state, body, query: url.searchParams });
      return reply.code(result.status).header("content-type", "application/json; charset=utf-8").send(JSON.stringify(result.body ?? {}));
    } catch (error) {
      return sendError(reply, error);
    }
  }

  async function handleAzure(request: FastifyRequest, reply: FastifyReply, url: URL, rawBody: string, baseUrl: string) {
    const requestId = randomUUID();
    reply.header("x-ms-request-id", requestId);
    reply.header("x-ms-correlation-request-id", (request.headers["x-ms-correlation-request-id"] as string | undefined) ?? requestId);
    state.stats.total++;
    let operation = "unmatched";
    try {
      const caller = authenticate(request.headers.authorization);
      state.store.runDueEvents();
      const method = request.method.toUpperCase();
      let params: Record<string, string> = {};
      const route = AZURE_ROUTES.find((r) => {
        if (r.method !== method) return false;
        const match = r.pattern.exec(url.pathname);
        if (!match) return false;
        params = Object.fromEntries(Object.entries(match.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]));
        return true;
      });
      if (!route) throw armErrors.noRoute(method, url.pathname);
      operation = route.name;
      const apiVersion = url.searchParams.get("api-version");
      if (!apiVersion) throw armErrors.missingApiVersion();
      if (!route.apiVersions.includes(apiVersion)) throw armErrors.invalidApiVersion(apiVersion, route.resourceType, route.apiVersions);

      const decision =
        route.throttle === "graph"
          ? state.throttler.graph(caller.principalId)
          : state.throttler.arm(params.subscriptionId ?? /^\/subscriptions\/([^/]+)/i.exec(url.pathname)?.[1], caller.principalId, route.throttle);
      for (const [name, value] of Object.entries(decision.headers)) reply.header(name, value);
      if (!decision.allowed) {
        state.stats.throttled++;
        state.stats.throttledByOperation[operation] = (state.stats.throttledByOperation[operation] ?? 0) + 1;
        if (route.throttle === "graph") {
          throw new ArmError(
            429,
            "RateLimiting",
            "Client application has been throttled and should not attempt to repeat the request until an amount of time has elapsed. Please see https://aka.ms/resourcegraph-throttling for help.",
            { headers: { "retry-after": String(decision.retryAfterSeconds ?? 1) } },
          );
        }
        throw armErrors.throttled(route.throttle === "reads" ? "Reads" : route.throttle === "writes" ? "Writes" : "Deletes", decision.retryAfterSeconds ?? 1);
      }
      if (state.faults.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, state.faults.latencyMs));
      const fault = state.drawTransientFault();
      if (fault) {
        state.stats.faultsInjected++;
        throw armErrors.transient(fault);
      }
      const context: RequestContext = {
        method,
        path: url.pathname,
        params,
        query: url.searchParams,
        body: method === "GET" || method === "DELETE" ? undefined : parseJsonBody(rawBody),
        headers: request.headers,
        caller,
        baseUrl,
        apiVersion,
        state,
      };
      const result = await route.handle(context);
      countStatus(result.status);
      state.stats.byOperation[operation] = (state.stats.byOperation[operation] ?? 0) + 1;
      for (const [name, value] of Object.entries(result.headers ?? {})) reply.header(name, value);
      reply.code(result.status);
      if (result.body === undefined) return reply.send();
      return reply.header("content-type", "application/json; charset=utf-8").send(JSON.stringify(result.body));
    } catch (error) {
      state.stats.byOperation[operation] = (state.stats.byOperation[operation] ?? 0) + 1;
      return sendError(reply, error);
    }
  }

  function countStatus(status: number) {
    state.stats.byStatus[status] = (state.stats.byStatus[status] ?? 0) + 1;
  }

  function sendError(reply: FastifyReply, error: unknown) {
    let armError: ArmError;
    if (error instanceof ArmError) armError = error;
    else if (error instanceof ZodError) {
      const issue = error.issues[0];
      armError = armErrors.invalidRequestContent(`The request content is invalid: '${issue?.path.join(".") || "body"}': ${issue?.message ?? "invalid"}`);
    } else {
      armError = new ArmError(500, "InternalServerError", `The emulator failed: ${error instanceof Error ? error.message : String(error)}`);
      if (options.log) console.error(error);
    }
    countStatus(armError.status);
    for (const [name, value] of Object.entries(armError.extras.headers ?? {})) reply.header(name, value);
    return reply.code(armError.status).header("content-type", "application/json; charset=utf-8").send(JSON.stringify(armError.toBody()));
  }

  await app.listen({ host, port: options.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : (options.port ?? 0);
  const url = `https://${host.includes(":") ? `[${host}]` : host}:${port}`;
  publicUrl = url;
  return {
    url,
    port,
    certPem: pems.cert,
    state,
    adminUrl: `${url}/_emulator`,
    close: async () => {
      await app.close();
    },
  };
}

function parseJsonBody(raw: string): unknown {
  if (raw.trim() === "") return undefined;
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw armErrors.invalidRequestContent(`The request content was invalid and could not be deserialized: ${error instanceof Error ? error.message : "bad JSON"}`);
  }
}
