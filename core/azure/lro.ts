// ARM long-running operations (CONTRACT §0 and the thin-client algorithm of §7.4), polled as Azure asks. The first
// poll waits the Retry-After of the 201/202, later ones the latest Retry-After seen (the client's interval when Azure
// never sent one). A POST whose status monitor carries its result (Data Protection's OperationJobExtendedInfo in
// `properties`) is not followed by a GET of its Location for the same object. core-lro, used before, polled once at
// once (a read spent before Azure's hint) and then every 2 s, as Data Protection's monitors send no Retry-After.
import type { HttpMethods, PipelineRequest, PipelineResponse } from "@azure/core-rest-pipeline";
import { sleep } from "./policies";

type AbortSignalLike = PipelineRequest["abortSignal"];

/** What a started operation offers: waiting for its end (its result, or a thrown LroFailedError). */
export interface LroPoller<T> {
  pollUntilDone(options?: { abortSignal?: AbortSignalLike }): Promise<T>;
}

/** An operation's error as the status monitor (or a failed Location poll) reports it. */
export interface LroErrorBody {
  code?: string;
  message?: string;
  additionalInfo?: unknown[];
  details?: unknown[];
}

/**
 * The operation ended Failed or Canceled. The message keeps core-lro's form ("The long-running operation has
 * failed. <code>. <message>"), which job history and error mapping read.
 */
export class LroFailedError extends Error {
  readonly code: string;
  constructor(
    readonly status: string,
    readonly error: LroErrorBody | undefined,
  ) {
    const code = error?.code ?? status;
    super(`The long-running operation has failed. ${code}. ${error?.message ?? `The operation ended ${status}.`}`);
    this.name = "LroFailedError";
    this.code = code;
  }
}

export interface LroInput {
  method: HttpMethods;
  /** Sends the PUT or POST; throws for an error status. */
  start: () => Promise<PipelineResponse>;
  /** GETs an absolute URL (monitor, Location, the resource) and returns the response whatever its status. */
  get: (url: string) => Promise<PipelineResponse>;
  /** The resource's own URL: what a PUT's result is read from once it succeeded. */
  resourceUrl: string;
  /** Where a POST's result is, when the status monitor does not carry it. */
  finalStateVia: "location" | "azure-async-operation";
  /** false: the result is not wanted, so nothing is read once the status monitor says Succeeded. */
  finalRead: boolean;
  /** Wait between polls when Azure sends no Retry-After. */
  intervalInMs: number;
  /** Builds the error thrown for a poll that failed outright (not an operation failure). */
  toError: (response: PipelineResponse) => Error;
}

const TERMINAL = /^(succeeded|failed|canceled|cancelled)$/i;

export function parseJsonBody(response: PipelineResponse): unknown {
  if (!response.bodyAsText) return undefined;
  try {
    return JSON.parse(response.bodyAsText);
  } catch {
    return response.bodyAsText;
  }
}

/** Retry-After in milliseconds (seconds, or an HTTP date), undefined when absent or unreadable. */
export function retryAfterMs(response: PipelineResponse, now = Date.now()): number | undefined {
  const value = response.headers.get("retry-after");
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Sends the operation's first request and returns its poller. */
export async function beginLro<T>(input: LroInput): Promise<LroPoller<T>> {
  const initial = await input.start();
  const monitor = initial.headers.get("azure-asyncoperation") ?? undefined;
  const location = initial.headers.get("location") ?? undefined;
  let result: Promise<T> | undefined;
  return {
    pollUntilDone: (options) =>
      (result ??= (async () => {
        // Finished with the first answer: 200/201 (or 204) without a monitor.
        if (!monitor && !location) return parseJsonBody(initial) as T;
        let wait = retryAfterMs(initial) ?? input.intervalInMs;
        if (monitor) return (await pollStatusMonitor(input, monitor, location, wait, options?.abortSignal)) as T;
        let url = location!;
        for (;;) {
          await sleep(wait, options?.abortSignal);
          const response = await input.get(url);
          if (response.status === 202) {
            url = response.headers.get("location") ?? url;
            wait = retryAfterMs(response) ?? wait;
            continue;
          }
          if (response.status >= 400) {
            const body = parseJsonBody(response) as { error?: LroErrorBody } | undefined;
            if (body?.error?.code) throw new LroFailedError("Failed", body.error);
            throw input.toError(response);
          }
          return parseJsonBody(response) as T;
        }
      })()),
  };
}

async function pollStatusMonitor(input: LroInput, monitor: string, location: string | undefined, firstWait: number, abortSignal?: AbortSignalLike): Promise<unknown> {
  let wait = firstWait;
  for (;;) {
    await sleep(wait, abortSignal);
    const response = await input.get(monitor);
    if (response.status >= 400) throw input.toError(response);
    const body = (parseJsonBody(response) ?? {}) as { status?: string; error?: LroErrorBody; properties?: unknown };
    const status = String(body.status ?? "");
    if (!TERMINAL.test(status)) {
      wait = retryAfterMs(response) ?? wait;
      continue;
    }
    if (!/^succeeded$/i.test(status)) throw new LroFailedError(status, body.error);
    if (!input.finalRead) return undefined;
    // The result: a PUT's resource; a POST's from the monitor when it carries one, else from its Location.
    if (input.method !== "PUT" && body.properties !== undefined) return body.properties;
    const final = input.method === "PUT" ? input.resourceUrl : input.finalStateVia === "location" ? location : undefined;
    if (!final) return body.properties;
    const read = await input.get(final);
    if (read.status >= 400) throw input.toError(read);
    return parseJsonBody(read);
  }
}
