// The settings a person may see: scope, schedule, concurrency and limits as configured through the environment.
// Secrets (AUTH_SECRET, ENTRA_CLIENT_SECRET, FLEXGUARD_TOKEN, database and Redis credentials) are never included.
import { env, type Env } from "./env";

export interface Setting {
  /** The environment variable that sets it. */
  variable: string;
  label: string;
  value: string;
  note?: string;
}

export interface SettingsGroup {
  title: string;
  settings: Setting[];
}

/** A URL without its user name and password. */
function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return u.toString();
  } catch {
    return "(not a URL)";
  }
}

/** The configuration in groups, values as text, secrets left out (only whether they are set). */
export function describeSettings(e: Env = env()): SettingsGroup[] {
  const entraConfigured = !!(e.ENTRA_TENANT_ID && e.ENTRA_CLIENT_ID && e.ENTRA_CLIENT_SECRET);
  return [
    {
      title: "Scope",
      settings: [
        { variable: "AZURE_MODE", label: "Azure", value: e.AZURE_MODE === "emulator" ? "the bundled emulator" : "Azure (through @azure/identity)" },
        {
          variable: "AZURE_SUBSCRIPTIONS",
          label: "Subscriptions",
          value: e.AZURE_SUBSCRIPTIONS?.length ? e.AZURE_SUBSCRIPTIONS.join(", ") : "every subscription the principal can read",
        },
        { variable: "AZURE_MANAGEMENT_GROUP", label: "Management group", value: e.AZURE_MANAGEMENT_GROUP ?? "none" },
        { variable: "AZURE_ENDPOINT", label: "Resource Manager endpoint", value: e.AZURE_ENDPOINT },
        { variable: "AZURE_PRINCIPAL_ID", label: "Flexguard's principal (object id)", value: e.AZURE_PRINCIPAL_ID ?? "not set", note: "Its role assignments decide whether Flexguard can assign a vault's missing roles itself." },
        { variable: "AZURE_CREDENTIAL", label: "Credential", value: e.AZURE_CREDENTIAL },
      ],
    },
    {
      title: "Scan schedule",
      settings: [
        {
          variable: "SCAN_INTERVAL_MINUTES",
          label: "Scheduled scan",
          value: e.SCAN_INTERVAL_MINUTES === 0 ? "off (scans run on demand only)" : `every ${e.SCAN_INTERVAL_MINUTES} minutes`,
        },
      ],
    },
    {
      title: "Concurrency",
      settings: [
        { variable: "SCAN_SUBSCRIPTIONS_PER_JOB", label: "Subscriptions per scan job", value: String(e.SCAN_SUBSCRIPTIONS_PER_JOB) },
        { variable: "SCAN_CONCURRENCY", label: "Scan jobs at once per worker", value: String(e.SCAN_CONCURRENCY) },
        { variable: "WORKER_QUEUES", label: "Queues the worker serves", value: e.WORKER_QUEUES?.length ? e.WORKER_QUEUES.join(", ") : "all" },
      ],
    },
    {
      title: "Remediation",
      settings: [
        { variable: "PLAN_APPROVAL_VALIDITY", label: "An approval stays valid for", value: e.PLAN_APPROVAL_VALIDITY },
        { variable: "REMEDIATION_PERMISSION_WAIT_SECONDS", label: "Wait for new role assignments to take effect", value: `up to ${e.REMEDIATION_PERMISSION_WAIT_SECONDS} seconds` },
        { variable: "REMEDIATION_LEASE_SECONDS", label: "Item lease", value: `${e.REMEDIATION_LEASE_SECONDS} seconds` },
        { variable: "REMEDIATION_RECONCILE_SECONDS", label: "Reconciler pass", value: `every ${e.REMEDIATION_RECONCILE_SECONDS} seconds` },
        {
          variable: "REMEDIATION_HISTORY_RETENTION_DAYS",
          label: "Run history kept",
          value: e.REMEDIATION_HISTORY_RETENTION_DAYS === 0 ? "forever" : `${e.REMEDIATION_HISTORY_RETENTION_DAYS} days`,
        },
      ],
    },
    {
      title: "Notifications and metrics",
      settings: [
        { variable: "WEBHOOK_MAX_ATTEMPTS", label: "Webhook delivery attempts", value: String(e.WEBHOOK_MAX_ATTEMPTS) },
        { variable: "WEBHOOK_RETRY_BASE_MS", label: "First webhook retry after", value: `${e.WEBHOOK_RETRY_BASE_MS} ms, doubling` },
        { variable: "WEBHOOK_TIMEOUT_SECONDS", label: "Webhook answer timeout", value: `${e.WEBHOOK_TIMEOUT_SECONDS} seconds` },
        { variable: "EXEMPTION_EXPIRY_WARNING", label: "Announce exemptions expiring within", value: e.EXEMPTION_EXPIRY_WARNING },
        { variable: "METRICS_TOKEN", label: "Metrics endpoint", value: e.METRICS_TOKEN ? "token required (set)" : "loopback callers only" },
      ],
    },
    {
      title: "Limits",
      settings: [
        { variable: "EXEMPTION_MAX_VALIDITY", label: "Longest exemption", value: e.EXEMPTION_MAX_VALIDITY },
        { variable: "MAX_BODY_BYTES", label: "Largest API request body", value: `${e.MAX_BODY_BYTES.toLocaleString("en-US")} bytes` },
        { variable: "SESSION_MAX_AGE_HOURS", label: "Session length", value: `${e.SESSION_MAX_AGE_HOURS} hours` },
        { variable: "LOGIN_MAX_ATTEMPTS", label: "Failed sign-ins before a pause", value: `${e.LOGIN_MAX_ATTEMPTS} in 15 minutes` },
      ],
    },
    {
      title: "Sign-in and services",
      settings: [
        { variable: "ENTRA_TENANT_ID", label: "Microsoft Entra ID sign-in", value: entraConfigured ? `on (tenant ${e.ENTRA_TENANT_ID})` : "off" },
        { variable: "AUTH_URL", label: "Sign-in URL", value: e.AUTH_URL },
        { variable: "DEMO_USERS", label: "Demo users", value: e.DEMO_USERS ? "on" : "off" },
        { variable: "DATABASE_URL", label: "Database", value: withoutCredentials(e.DATABASE_URL) },
        { variable: "REDIS_URL", label: "Redis", value: withoutCredentials(e.REDIS_URL) },
        { variable: "QUEUE_PREFIX", label: "Queue prefix", value: e.QUEUE_PREFIX },
      ],
    },
  ];
}
