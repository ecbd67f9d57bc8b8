// Points the product's configuration at this run's database, Redis prefix and emulator before any test imports core/.
import { inject } from "vitest";

(process.env as Record<string, string>).NODE_ENV = "test";
process.env.LOG_LEVEL = process.env.LOG_LEVEL || "warn";
process.env.DATABASE_URL = inject("databaseUrl");
process.env.REDIS_URL = inject("redisUrl");
process.env.QUEUE_PREFIX = inject("queuePrefix");
process.env.AZURE_MODE = "emulator";
process.env.AZURE_ENDPOINT = inject("emulatorUrl");
process.env.EMULATOR_CERT_FILE = inject("emulatorCertFile");
process.env.EMULATOR_PRINCIPAL_ID = inject("emulatorPrincipalId");
// The configured-list scope; discovery through Resource Graph has its own test.
process.env.AZURE_SUBSCRIPTIONS = inject("emulatorSubscriptions").join(",");
process.env.SCAN_INTERVAL_MINUTES = "0";
