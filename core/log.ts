import { AsyncLocalStorage } from "node:async_hooks";
import { pino, type Logger } from "pino";
import { env } from "./config/env";

const cache = globalThis as typeof globalThis & { flexguardLog?: Logger };
const context = new AsyncLocalStorage<Logger>();

/**
 * Paths pino removes from every line, whatever a caller passes (a whole request, config or error object):
 * credentials, tokens, secrets and connection strings, at the top level and one or two levels down.
 */
export const REDACTED_PATHS = [
  "password", "*.password", "*.*.password",
  "secret", "*.secret", "*.*.secret",
  "token", "*.token", "*.*.token",
  "authorization", "*.authorization", "headers.authorization", "*.headers.authorization", "req.headers.cookie", "*.headers.cookie",
  "clientSecret", "*.clientSecret", "ENTRA_CLIENT_SECRET", "*.ENTRA_CLIENT_SECRET", "AUTH_SECRET", "*.AUTH_SECRET",
  "METRICS_TOKEN", "*.METRICS_TOKEN", "FLEXGUARD_TOKEN", "*.FLEXGUARD_TOKEN",
  "DATABASE_URL", "*.DATABASE_URL", "REDIS_URL", "*.REDIS_URL", "connectionString", "*.connectionString",
  "accessToken", "*.accessToken", "*.*.accessToken",
];

/** A logger with Flexguard's settings writing to `destination` (tests pass a stream to read lines back). */
export function createLogger(destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level: env().LOG_LEVEL,
    base: { service: process.env.FLEXGUARD_SERVICE ?? "flexguard" },
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    // Errors as message + code + stack, never their whole object (an Azure RestError carries the request and its headers).
    serializers: { err: pino.stdSerializers.err },
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * The structured JSON logger. Inside withLogContext it is the context's child logger, so every line written
 * while a job runs carries the ids that tie it to its scan, part, evaluation run, plan, item or delivery.
 */
export function log(): Logger {
  return context.getStore() ?? (cache.flexguardLog ??= createLogger());
}

/** Runs `fn` with log() returning a child logger bound to these ids (nested contexts add to the outer one). */
export function withLogContext<T>(bindings: Record<string, unknown>, fn: () => T): T {
  return context.run(log().child(bindings), fn);
}
