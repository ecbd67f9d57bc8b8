// Exemptions about to expire, so that their owners can renew them or fix the server in time.
import { isoDurationSeconds } from "@/core/rules/duration";
import type { StoredExemption } from "./schemas";

export interface ListExpiringExemptionsInput {
  exemptions: readonly StoredExemption[];
  now: Date;
  /** How far ahead to look, as an ISO 8601 duration such as P14D. */
  within: string;
}

/** The exemptions still in force that expire within the window, soonest first. */
export function listExpiringExemptions({ exemptions, now, within }: ListExpiringExemptionsInput): StoredExemption[] {
  const windowSeconds = isoDurationSeconds(within);
  if (windowSeconds === null) throw new RangeError(`within is not an ISO 8601 duration: ${JSON.stringify(within)}`);
  const from = now.getTime();
  const until = from + windowSeconds * 1000;
  return exemptions
    .filter((exemption) => {
      const expires = exemption.expiresAt.getTime();
      return expires > from && expires <= until;
    })
    .sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
