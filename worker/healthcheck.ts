// Exit 0 when the worker's dependencies (Postgres, Redis) answer; used by docker-compose.yml's health check.
import { checkServices } from "@/core/health/check-services";

try {
  await checkServices();
  process.exit(0);
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
