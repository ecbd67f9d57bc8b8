// How the remediation pages write plan statuses, item kinds and durations.
const STATUS: Record<string, string> = {
  DRAFT: "Draft",
  AWAITING_APPROVAL: "Awaiting approval",
  APPROVED: "Approved",
  REJECTED: "Rejected",
  RUNNING: "Running",
  PAUSED: "Paused",
  SUCCEEDED: "Succeeded",
  FAILED: "Failed",
  CANCELLED: "Cancelled",
};
export const planStatusLabel = (status: string) => STATUS[status] ?? status;

const KIND: Record<string, string> = {
  protectServer: "Protect server",
  assignRoles: "Assign roles",
  createPolicy: "Create policy",
  createVault: "Create vault",
  needsTemplate: "Needs template",
  needsDecision: "Needs decision",
};
export const itemKindLabel = (kind: string) => KIND[kind] ?? kind;

/** "45 s", "12 min", "3.5 h". */
export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
