// The browser's one way to call Flexguard's API: JSON in and out; errors carry the message and, for forms, the status (409 stale
// revision), and the field-level issues a 400 names, so that each shows at its own field.

export interface FieldIssue {
  field: string;
  reason: string;
}

export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null,
    readonly issues: FieldIssue[],
  ) {
    super(message);
  }
}

/** JSON in and out; a non-2xx answer throws ApiError with the API's message, code and issues. */
export async function apiCall<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError("Flexguard could not be reached; check the connection and try again", 0, null, []);
  }
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string; issues?: FieldIssue[] } };
  if (!res.ok) throw new ApiError(data.error?.message ?? `Request failed (${res.status})`, res.status, data.error?.code ?? null, data.error?.issues ?? []);
  return data as T;
}

/** Issues grouped by the form field they belong to: the first segment of the path after `prefix` ("rule."), or "" for the form as a whole. */
export function issuesByField(issues: FieldIssue[], prefix = ""): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of issues) {
    const path = prefix && issue.field.startsWith(prefix) ? issue.field.slice(prefix.length) : issue.field;
    const top = path === "(body)" ? "" : (path.split(".")[0] ?? "");
    (out[top] ??= []).push(path && path !== top && path !== "(body)" ? `${path}: ${issue.reason}` : issue.reason);
  }
  return out;
}
