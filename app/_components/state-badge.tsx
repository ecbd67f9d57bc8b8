import { NON_COMPLIANT_STATES } from "@/core/rules/verdict";
import { stateLabel } from "./format";

const NON_COMPLIANT = new Set<string>(NON_COMPLIANT_STATES);

/** A verdict state as a coloured label; the colour is a class, never an inline style (the CSP forbids those). */
export function StateBadge({ state }: { state: string }) {
  const tone = state === "compliant" ? "good" : NON_COMPLIANT.has(state) ? "bad" : "neutral";
  return <span className={`badge badge-${tone}`}>{stateLabel(state)}</span>;
}
