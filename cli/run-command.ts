import { ConfigError } from "@/core/config/env";
import { disconnectDb } from "@/core/db/client";
import { AppError } from "@/core/errors";
import { ServiceUnavailableError } from "@/core/health/check-services";
import { closeProducers } from "@/core/queues";

/** Runs a command, prints known errors as one readable paragraph (no stack), and closes connections. */
export async function runCommand(fn: () => Promise<unknown>): Promise<void> {
  let code = 0;
  try {
    await fn();
  } catch (err) {
    code = 1;
    if (err instanceof ConfigError || err instanceof ServiceUnavailableError) console.error(err.message);
    else if (err instanceof AppError) console.error(`${err.code}: ${err.message}`);
    else console.error(err instanceof Error ? err.message : String(err));
  } finally {
    await Promise.allSettled([closeProducers(), disconnectDb()]);
  }
  process.exit(code);
}
