// Direct HTTPS calls to the emulator, bypassing the product's clients, so tests can check those clients
// against what the emulator really serves.
import { readFileSync } from "node:fs";
import { request } from "node:https";

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** An emulator bearer token naming `principalId` (the same unsigned-JWT form the product sends). */
export function emulatorToken(principalId: string): string {
  return `${base64url({ alg: "none", typ: "JWT" })}.${base64url({ oid: principalId, tid: "00000000-0000-4000-8000-0000000000e1" })}.`;
}

export interface EmulatorTarget {
  url: string;
  certFile: string;
  principalId: string;
}

/** Sends one request and returns the status, headers and parsed JSON body. */
export function emulatorRequest<T = unknown>(
  target: EmulatorTarget,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: T }> {
  const url = new URL(path, target.url);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca: readFileSync(target.certFile),
        headers: { authorization: `Bearer ${emulatorToken(target.principalId)}`, "content-type": "application/json" },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as T }));
      },
    );
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Every row of a Resource Graph query, following $skipToken. */
export async function emulatorGraphRows<Row>(target: EmulatorTarget, query: string, subscriptions?: string[]): Promise<Row[]> {
  const rows: Row[] = [];
  let skipToken: string | undefined;
  do {
    const res = await emulatorRequest<{ data: Row[]; $skipToken?: string }>(target, "POST", "/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01", {
      query,
      subscriptions,
      options: { $top: 1000, ...(skipToken ? { $skipToken: skipToken } : {}) },
    });
    if (res.status !== 200) throw new Error(`Resource Graph answered ${res.status}: ${JSON.stringify(res.body)}`);
    rows.push(...res.body.data);
    skipToken = res.body.$skipToken;
  } while (skipToken);
  return rows;
}
