// Reads what compliance compares from a backup policy's rules (CONTRACT.md §1.4): the schedule's repeating
// interval and the default retention duration.

interface PolicyRule {
  objectType?: string;
  isDefault?: boolean;
  trigger?: { schedule?: { repeatingTimeIntervals?: string[] } };
  lifecycles?: { deleteAfter?: { duration?: string } }[];
}

/** "R/2024-01-07T23:00:00+00:00/P1W" -> "P1W": the last part of a repeating interval is its period. */
export function intervalPeriod(repeatingInterval: string): string | null {
  const parts = repeatingInterval.split("/");
  const period = parts[parts.length - 1];
  return parts.length >= 2 && period && /^P/i.test(period) ? period.toUpperCase() : null;
}

/** The backup interval (shortest of the backup rules' schedules) and the default retention of a policy. */
export function policyFacts(policyRules: unknown): { backupInterval: string | null; defaultRetention: string | null } {
  const rules = Array.isArray(policyRules) ? (policyRules as PolicyRule[]) : [];
  const intervals = rules
    .filter((r) => r.objectType === "AzureBackupRule")
    .flatMap((r) => r.trigger?.schedule?.repeatingTimeIntervals ?? [])
    .map(intervalPeriod)
    .filter((p): p is string => p !== null);
  const retention = rules.find((r) => r.objectType === "AzureRetentionRule" && r.isDefault === true)?.lifecycles?.[0]?.deleteAfter?.duration;
  return { backupInterval: intervals[0] ?? null, defaultRetention: retention ? retention.toUpperCase() : null };
}

/** The vault's ARM id from a child resource id (.../backupVaults/{vault}/backupInstances/{bi}), case-insensitively. */
export function vaultIdOf(childId: string): string {
  const m = childId.match(/^(.*?\/providers\/microsoft\.dataprotection\/backupvaults\/[^/]+)/i);
  return m ? m[1]! : childId;
}
