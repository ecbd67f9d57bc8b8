import { pino, type Logger } from "pino";
import { env } from "./config/env";

const cache = globalThis as typeof globalThis & { flexguardLog?: Logger };

/** The process's structured JSON logger; child loggers carry the ids that tie a line to its scan, plan or item. */
export function log(): Logger {
  return (cache.flexguardLog ??= pino({
    level: env().LOG_LEVEL,
    base: { service: process.env.FLEXGUARD_SERVICE ?? "flexguard" },
    // Never log credentials, even when a caller passes a whole request or config object.
    redact: ["*.password", "*.secret", "*.token", "*.authorization", "*.headers.authorization", "DATABASE_URL"],
  }));
}
