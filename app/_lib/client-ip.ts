/** The client's address for the audit log and rate limits: the first X-Forwarded-For hop, else X-Real-IP. */
export function clientIp(headers: Headers | Record<string, string | string[] | undefined> | undefined): string | null {
  if (!headers) return null;
  const get = (name: string) => (headers instanceof Headers ? headers.get(name) : ([headers[name]].flat()[0] ?? null));
  const forwarded = get("x-forwarded-for")?.split(",")[0]?.trim();
  const ip = forwarded || get("x-real-ip")?.trim() || null;
  // Only something that looks like an address: the value lands in the audit log.
  return ip && /^[0-9a-fA-F:.]{2,45}$/.test(ip) ? ip : null;
}
