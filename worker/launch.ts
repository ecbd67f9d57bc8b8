// How the worker process is started, in one place for `npm start`, docker-compose (through `npm run worker`) and
// the tests and benchmarks that run it as its own process: node with the configured heap limit, loading TypeScript
// through tsx.
import { env, type Env } from "@/core/config/env";

/** Node's arguments for the worker (the executable is process.execPath, or `node`). */
export function workerNodeArgs(config: Pick<Env, "WORKER_HEAP_MB"> = env(), entry = "worker/main.ts"): string[] {
  return [`--max-old-space-size=${config.WORKER_HEAP_MB}`, "--import", "tsx", entry];
}
