import { z } from "zod";
import { isoDurationSeconds } from "../rules/duration";

/**
 * Every environment variable Flexguard reads, with defaults that work on a fresh machine.
 * Empty strings count as unset so that a blank line in .env does not override a default.
 */
const emptyAsUndefined = (value: unknown) => (value === "" ? undefined : value);
const opt = <T extends z.ZodType>(schema: T) => z.preprocess(emptyAsUndefined, schema);

const port = (fallback: number) =>
  opt(z.coerce.number({ error: "must be a TCP port (0-65535)" }).int("must be a TCP port (0-65535)").min(0, "must be a TCP port (0-65535)").max(65535, "must be a TCP port (0-65535)").default(fallback));

const postgresUrl = z
  .string()
  .refine((v) => /^postgres(ql)?:\/\/[^/]+\/[^/?]+/.test(v), "must look like postgresql://user@host:5432/database");
const count = (min: number, max: number, fallback: number) =>
  opt(z.coerce.number({ error: `must be a whole number from ${min} to ${max}` }).int(`must be a whole number from ${min} to ${max}`).min(min, `must be at least ${min}`).max(max, `must be at most ${max}`).default(fallback));
const redisUrl = z.string().refine((v) => /^rediss?:\/\/[^/]+/.test(v), "must look like redis://host:6379");
const uuidList = z
  .string()
  .transform((v) => v.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean))
  .pipe(z.array(z.uuid("each entry must be a subscription id (a GUID)")));

export const envSchema = z
  .object({
    NODE_ENV: opt(z.enum(["development", "test", "production"]).default("development")),
    LOG_LEVEL: opt(z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info")),

    DATABASE_URL: opt(postgresUrl.default("postgresql://postgres@127.0.0.1:5432/flexguard")),
    REDIS_URL: opt(redisUrl.default("redis://127.0.0.1:6379")),
    // BullMQ key prefix: separate installations (or test runs) sharing one Redis never see each other's jobs.
    QUEUE_PREFIX: opt(z.string().regex(/^[A-Za-z0-9_-]+$/, "letters, digits, - and _ only").default("flexguard")),

    WEB_HOST: opt(z.string().default("127.0.0.1")),
    WEB_PORT: port(3000),

    // "emulator": the bundled local Azure Resource Manager; "azure": the real cloud through @azure/identity.
    AZURE_MODE: opt(z.enum(["emulator", "azure"]).default("emulator")),
    AZURE_SUBSCRIPTIONS: opt(uuidList.optional()),
    AZURE_MANAGEMENT_GROUP: opt(z.string().regex(/^[A-Za-z0-9._()-]{1,90}$/, "must be a management group id").optional()),
    AZURE_ENDPOINT: opt(z.url({ protocol: /^https$/, error: "must be an https:// URL" }).optional()),
    // The object id of the identity Flexguard runs as: its role assignments decide whether Flexguard may grant
    // a vault's missing roles itself or must hand out a template. In emulator mode: EMULATOR_PRINCIPAL_ID.
    AZURE_PRINCIPAL_ID: opt(z.uuid("must be an object id (a GUID)").optional()),
    // Which @azure/identity credential to use in azure mode; "default" is DefaultAzureCredential's chain.
    AZURE_CREDENTIAL: opt(
      z.enum(["default", "environment", "workload-identity", "managed-identity", "cli"]).default("default"),
    ),

    // The queues this worker process serves (comma-separated); empty = all. Lets scans and evaluations run on
    // separate worker pools, and benchmarks measure one kind of job alone.
    WORKER_QUEUES: opt(
      z
        .string()
        .transform((v) => v.split(",").map((q) => q.trim()).filter(Boolean))
        .pipe(z.array(z.enum(["scan", "scan-part", "scan-schedule", "evaluate", "remediate-item", "remediation-reconcile", "webhook-delivery", "notification-schedule"], { error: "each entry must be one of scan, scan-part, scan-schedule, evaluate, remediate-item, remediation-reconcile, webhook-delivery, notification-schedule" })))
        .optional(),
    ),
    // Minutes between scheduled scans; 0 turns the schedule off (scans then run only on demand).
    SCAN_INTERVAL_MINUTES: count(0, 10_080, 60),
    // Subscriptions one scan job inventories together: fewer, larger jobs spend less Resource Graph quota.
    SCAN_SUBSCRIPTIONS_PER_JOB: count(1, 300, 50),
    // Scan jobs one worker process runs at once.
    SCAN_CONCURRENCY: count(1, 32, 4),
    // The worker's V8 old-space limit in MiB (--max-old-space-size, set by worker/launch.ts). Without one V8 lets the
    // heap of a 4 GiB-limit process swell to ~4x its live data before collecting; its largest job needs ~250 MiB.
    WORKER_HEAP_MB: count(128, 65_536, 512),

    // Remediation runs. How long validation keeps retrying while new role assignments propagate (Azure: up to 30 min).
    REMEDIATION_PERMISSION_WAIT_SECONDS: count(1, 86_400, 1_800),
    // An executing item renews its lease; one silent for this long is lost (worker killed) and the reconciler re-enqueues it.
    REMEDIATION_LEASE_SECONDS: count(2, 3_600, 60),
    // Seconds between reconciler passes (it also runs at worker start).
    REMEDIATION_RECONCILE_SECONDS: count(1, 3_600, 30),
    // Days job history (items and steps of finished runs) is kept; 0 keeps it forever.
    REMEDIATION_HISTORY_RETENTION_DAYS: count(0, 36_500, 0),

    // Signs session cookies. Unset: npm start generates one and keeps it in .flexguard/auth-secret.
    AUTH_SECRET: opt(z.string().min(32, "must be at least 32 characters (e.g. openssl rand -base64 32)").optional()),
    // The URL users open Flexguard at (used for sign-in redirects); defaults to http://WEB_HOST:WEB_PORT.
    AUTH_URL: opt(z.url({ error: "must be a URL such as https://flexguard.example.com" }).optional()),
    SESSION_MAX_AGE_HOURS: count(1, 24 * 30, 8),
    // Failed sign-ins allowed per user name and address in 15 minutes before sign-in is refused for a while.
    LOGIN_MAX_ATTEMPTS: count(1, 1000, 5),
    // Microsoft Entra ID sign-in (OpenID Connect): all three, or none.
    ENTRA_TENANT_ID: opt(z.string().min(1).optional()),
    ENTRA_CLIENT_ID: opt(z.string().min(1).optional()),
    ENTRA_CLIENT_SECRET: opt(z.string().min(1).optional()),
    // Entra app roles or group object ids to Flexguard roles, e.g. "Flexguard.Admin=admin,<group-guid>=operator".
    ENTRA_ROLE_MAP: opt(
      z
        .string()
        .transform((v, ctx) => {
          const map: Record<string, "VIEWER" | "OPERATOR" | "APPROVER" | "ADMIN"> = {};
          for (const pair of v.split(",").map((p) => p.trim()).filter(Boolean)) {
            const [claim, role] = pair.split("=").map((x) => x?.trim());
            const upper = role?.toUpperCase();
            if (!claim || (upper !== "VIEWER" && upper !== "OPERATOR" && upper !== "APPROVER" && upper !== "ADMIN")) {
              ctx.addIssue({ code: "custom", message: `"${pair}" must be <app role or group id>=<viewer|operator|approver|admin>` });
              return z.NEVER;
            }
            map[claim] = upper;
          }
          return map;
        })
        .default({}),
    ),
    // Seed one demo user per role (printed by npm start). Default: on with the emulator, off with real Azure.
    DEMO_USERS: opt(z.enum(["true", "false"], { error: "must be true or false" }).optional()),
    // Largest request body the API accepts.
    MAX_BODY_BYTES: count(1_024, 50 * 1024 * 1024, 1024 * 1024),

    // The longest an exemption may run: its expiry may lie at most this far ahead (ISO 8601 duration; P1Y = 365 days).
    EXEMPTION_MAX_VALIDITY: opt(
      z
        .string()
        .refine((v) => (isoDurationSeconds(v) ?? 0) > 0, "must be a positive ISO 8601 duration such as P90D, P6M or P1Y")
        .default("P1Y"),
    ),

    // Webhook deliveries: attempts per delivery, and the first retry delay (doubling after each failure).
    WEBHOOK_MAX_ATTEMPTS: count(1, 30, 8),
    WEBHOOK_RETRY_BASE_MS: count(10, 3_600_000, 30_000),
    // Seconds a webhook endpoint has to answer before the attempt counts as failed.
    WEBHOOK_TIMEOUT_SECONDS: count(1, 120, 10),
    // Exemptions expiring within this window are announced to webhooks (ISO 8601 duration).
    EXEMPTION_EXPIRY_WARNING: opt(
      z.string().refine((v) => (isoDurationSeconds(v) ?? 0) > 0, "must be a positive ISO 8601 duration such as P14D").default("P14D"),
    ),

    // Operations. METRICS_TOKEN: when set, GET /api/metrics needs "Authorization: Bearer <token>"; unset, it is open
    // only to callers on loopback (a Prometheus next to the app) and otherwise answers 404.
    METRICS_TOKEN: opt(z.string().min(16, "must be at least 16 characters").optional()),
    // The worker's HTTP server for /metrics, /healthz and /readyz; 0 turns it off.
    WORKER_METRICS_PORT: port(9464),
    WORKER_METRICS_HOST: opt(z.string().default("127.0.0.1")),
    // OpenTelemetry tracing, off by default; when on, spans are exported over OTLP/HTTP to the endpoint.
    OTEL_ENABLED: opt(z.enum(["true", "false"], { error: "must be true or false" }).default("false")).transform((v) => v === "true"),
    OTEL_EXPORTER_OTLP_ENDPOINT: opt(z.url({ error: "must be a URL such as http://otel-collector:4318" }).optional()),

    // How long an approval of a remediation plan stays valid: a plan not started within it needs approving again.
    PLAN_APPROVAL_VALIDITY: opt(
      z
        .string()
        .refine((v) => (isoDurationSeconds(v) ?? 0) > 0, "must be a positive ISO 8601 duration such as PT24H, PT8H or P2D")
        .default("PT24H"),
    ),

    // The CLI talks to a remote Flexguard through its API when both are set (a token from the API tokens page).
    FLEXGUARD_URL: opt(z.url({ error: "must be the URL of a Flexguard web app, e.g. https://flexguard.example.com" }).optional()),
    FLEXGUARD_TOKEN: opt(z.string().startsWith("fgt_", "must be a Flexguard API token (fgt_...)").optional()),

    EMULATOR_HOST: opt(z.string().default("127.0.0.1")),
    EMULATOR_PORT: port(4010),
    EMULATOR_SEED: count(0, 2 ** 31 - 1, 1),
    EMULATOR_SERVERS: count(1, 100_000, 1200),
    EMULATOR_SUBSCRIPTIONS: count(1, 500, 12),
    // The principal Flexguard acts as in emulator mode (an Entra object id).
    EMULATOR_PRINCIPAL_ID: opt(z.uuid("must be an object id (a GUID)").default("00000000-0000-4000-8000-00000000f1e9")),
    // Where the emulator writes its self-signed certificate and the clients read it to trust it.
    EMULATOR_CERT_FILE: opt(z.string().default(".flexguard/emulator-cert.pem")),
  })
  .superRefine((e, ctx) => {
    const entra = [e.ENTRA_TENANT_ID, e.ENTRA_CLIENT_ID, e.ENTRA_CLIENT_SECRET].filter(Boolean).length;
    if (entra !== 0 && entra !== 3)
      ctx.addIssue({ code: "custom", path: ["ENTRA_CLIENT_SECRET"], message: "set ENTRA_TENANT_ID, ENTRA_CLIENT_ID and ENTRA_CLIENT_SECRET together, or none of them" });
  })
  .transform((e) => ({
    ...e,
    AZURE_PRINCIPAL_ID: e.AZURE_PRINCIPAL_ID ?? (e.AZURE_MODE === "emulator" ? e.EMULATOR_PRINCIPAL_ID : undefined),
    DEMO_USERS: e.DEMO_USERS === undefined ? e.AZURE_MODE === "emulator" : e.DEMO_USERS === "true",
    AUTH_URL: e.AUTH_URL ?? `http://${e.WEB_HOST}:${e.WEB_PORT}`,
    // In emulator mode the endpoint defaults to the local emulator; in azure mode to public ARM.
    AZURE_ENDPOINT:
      e.AZURE_ENDPOINT ??
      (e.AZURE_MODE === "emulator" ? `https://${e.EMULATOR_HOST}:${e.EMULATOR_PORT}` : "https://management.azure.com"),
  }));

export type Env = z.infer<typeof envSchema>;

/** Thrown when the environment is wrong; its message names each variable, the reason and the expected form. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses an environment (process.env by default); throws ConfigError naming every bad variable. */
export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  const result = envSchema.safeParse(source);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? "environment");
    return `  ${name}: ${issue.message} (got ${JSON.stringify(source[name] ?? "")})`;
  });
  throw new ConfigError(
    `Flexguard's configuration is invalid:\n${lines.join("\n")}\nFix these variables (see .env.example for every setting).`,
  );
}

let cached: Env | undefined;

/** The process's configuration, parsed once on first use. */
export function env(): Env {
  return (cached ??= parseEnv());
}
