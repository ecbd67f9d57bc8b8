import { AsyncLocalStorage } from "node:async_hooks";

/** One HTTP call to Azure, as job history keeps it. */
export interface AzureCall {
  method: string;
  /** Path and query without host: ids of resources, never tokens. */
  path: string;
  status: number | null;
  durationMs: number;
  /** x-ms-request-id: what Azure support asks for. */
  requestId: string | null;
  /** x-ms-correlation-request-id: ties a call to ARM's own logs. */
  correlationId: string | null;
  /** Azure's error code when the call failed, e.g. AuthorizationFailed. */
  errorCode: string | null;
}

interface CallLog {
  calls: AzureCall[];
}

const storage = new AsyncLocalStorage<CallLog>();

/** Runs `fn` and returns, with its result, every Azure call made inside it (in the order they finished). */
export async function recordAzureCalls<T>(fn: () => Promise<T>): Promise<{ result: T; calls: AzureCall[] }> {
  const log: CallLog = { calls: [] };
  const result = await storage.run(log, fn);
  return { result, calls: log.calls };
}

/** Adds a call to the log of the enclosing recordAzureCalls, if any, and to the process-wide listeners. */
export function noteAzureCall(call: AzureCall): void {
  storage.getStore()?.calls.push(call);
  for (const listener of listeners) listener(call);
}

const listeners = new Set<(call: AzureCall) => void>();

/** Subscribes to every Azure call the process makes (metrics, tests); returns the unsubscribe function. */
export function onAzureCall(listener: (call: AzureCall) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** A low-cardinality name for an ARM path: the provider namespace and its resource types, e.g. microsoft.dataprotection/backupvaults/backupinstances. */
export function azureApiOf(path: string): string {
  const pathname = path.split("?")[0]!.toLowerCase();
  const at = pathname.lastIndexOf("/providers/");
  if (at < 0) return pathname.includes("/resourcegroups/") ? "resourcegroups" : pathname.startsWith("/subscriptions") ? "subscriptions" : "other";
  const [namespace, ...rest] = pathname.slice(at + "/providers/".length).split("/");
  // Segments alternate type/name; an odd tail is an action (validateForBackup, backup, operationStatus ...).
  const types = rest.filter((_, i) => i % 2 === 0);
  return [namespace, ...types].join("/");
}
