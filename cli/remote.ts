import { env } from "@/core/config/env";
import { AppError } from "@/core/errors";

/** Whether the CLI works against a remote Flexguard (FLEXGUARD_URL and FLEXGUARD_TOKEN) instead of local services. */
export const isRemote = () => Boolean(env().FLEXGUARD_URL && env().FLEXGUARD_TOKEN);

/** One call to the remote API with the token; its errors come back with the server's code and message. */
export async function remoteApi<T>(method: string, path: string, body?: unknown): Promise<T> {
  const { FLEXGUARD_URL, FLEXGUARD_TOKEN } = env();
  if (!FLEXGUARD_URL || !FLEXGUARD_TOKEN) throw new Error("Set FLEXGUARD_URL and FLEXGUARD_TOKEN to use a remote Flexguard");
  const url = new URL(path, FLEXGUARD_URL);
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${FLEXGUARD_TOKEN}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (cause) {
    throw new AppError("SERVICE_UNAVAILABLE", `Flexguard at ${url.origin} cannot be reached (${(cause as Error).message})`, { cause });
  }
  const data = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
  if (!res.ok) throw new Error(`${data.error?.code ?? res.status}: ${data.error?.message ?? res.statusText}`);
  return data as T;
}

/** A remote download (a template or a pack) as the raw response; errors come back as remoteApi's do. */
export async function remoteDownload(path: string): Promise<Response> {
  const { FLEXGUARD_URL, FLEXGUARD_TOKEN } = env();
  if (!FLEXGUARD_URL || !FLEXGUARD_TOKEN) throw new Error("Set FLEXGUARD_URL and FLEXGUARD_TOKEN to use a remote Flexguard");
  const url = new URL(path, FLEXGUARD_URL);
  let res: Response;
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${FLEXGUARD_TOKEN}` } });
  } catch (cause) {
    throw new AppError("SERVICE_UNAVAILABLE", `Flexguard at ${url.origin} cannot be reached (${(cause as Error).message})`, { cause });
  }
  if (!res.ok) {
    const data = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
    throw new Error(`${data.error?.code ?? res.status}: ${data.error?.message ?? res.statusText}`);
  }
  return res;
}
