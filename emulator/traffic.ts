// Records every Azure exchange the emulator serves (not its /_emulator admin API) as one JSON file in the form
// Microsoft's validator reads (`oav validate-traffic`): the request as a client sent it to Azure's host, and the
// answer. `npm run fidelity` runs the integration suite with recording on and checks all of it against
// Microsoft's OpenAPI documents. Authorization headers are never written.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

const ARM_HOST = "https://management.azure.com";

export interface RecordedExchange {
  method: string;
  /** Path and query as received. */
  pathAndQuery: string;
  requestHeaders: Record<string, unknown>;
  requestBody: string;
  status: number;
  responseHeaders: Record<string, unknown>;
  responseBody: string;
}

export interface TrafficRecorder {
  record(exchange: RecordedExchange): void;
}

function parse(text: string): unknown {
  if (text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function headers(raw: Record<string, unknown>, baseUrl: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined || name.toLowerCase() === "authorization") continue;
    out[name] = String(Array.isArray(value) ? value.join(", ") : value).replaceAll(baseUrl, ARM_HOST);
  }
  return out;
}

/** A recorder writing into `dir` (created); file names carry the process id so that several emulators can share it. */
export function trafficRecorder(dir: string, baseUrl: () => string): TrafficRecorder {
  mkdirSync(dir, { recursive: true });
  let count = 0;
  return {
    record(exchange) {
      const base = baseUrl();
      const file = path.join(dir, `${process.pid}-${String(count++).padStart(6, "0")}.json`);
      writeFileSync(
        file,
        JSON.stringify({
          liveRequest: {
            method: exchange.method,
            url: `${ARM_HOST}${exchange.pathAndQuery}`,
            headers: headers(exchange.requestHeaders, base),
            body: parse(exchange.requestBody),
          },
          liveResponse: { statusCode: String(exchange.status), headers: headers(exchange.responseHeaders, base), body: parse(exchange.responseBody) },
        }),
      );
    },
  };
}
