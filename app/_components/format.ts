// How the dashboard writes dates, states and counts: the same everywhere, in UTC so that screenshots and shared links agree.

/** "2024-05-01 13:45 UTC", or the fallback for no date. */
export function formatTime(value: Date | string | null | undefined, fallback = "never"): string {
  if (!value) return fallback;
  return `${new Date(value).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

const STATE_LABELS: Record<string, string> = {
  not_in_scope: "Not in scope",
  exempt: "Exempt",
  not_evaluable: "Not evaluable",
  server_not_ready: "Server not ready",
  no_vault_in_region: "No vault in region",
  unprotected: "Unprotected",
  wrong_vault: "Wrong vault",
  protection_error: "Protection error",
  protection_pending: "Protection pending",
  wrong_policy: "Wrong policy",
  policy_weaker: "Policy weaker than required",
  missing_roles: "Missing roles",
  compliant: "Compliant",
  not_evaluated: "Not evaluated yet",
  non_compliant: "Non-compliant (any)",
};

/** A verdict state in words. */
export const stateLabel = (state: string): string => STATE_LABELS[state] ?? state;

export const formatCount = (n: number): string => n.toLocaleString("en-US");

export const formatShare = (share: number | null): string => (share === null ? "n/a" : `${(share * 100).toFixed(1)}%`);
