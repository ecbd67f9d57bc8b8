// Finds the exemptions that cover a server, built once per evaluation so that each server costs a
// few map lookups instead of a scan of every exemption.
import { armKey } from "@/core/inventory/types";
import type { ExemptionRef } from "@/core/rules/verdict";
import type { StoredExemption } from "./schemas";

/** What an exemption target is matched against; all keys lower-case except tag values, which Azure keeps case-sensitive. */
export interface ExemptionSubject {
  armKey: string;
  subscriptionKey: string;
  /** "/subscriptions/{id}/resourcegroups/{name}", lower-cased. */
  resourceGroupKey: string;
  /** Tag values by lower-cased tag key. */
  tags: ReadonlyMap<string, string>;
}

interface IndexedExemption {
  exemption: StoredExemption;
  expiresAtMs: number;
  ref: ExemptionRef;
}

export interface ExemptionLookup {
  /** The exemption that applies now, if any: of several, the one that runs longest. */
  active: ExemptionRef | null;
  /** Exemptions that would cover the server but have expired, latest expiry first. */
  expired: readonly ExemptionRef[];
}

const NO_EXEMPTIONS: ExemptionLookup = Object.freeze({ active: null, expired: Object.freeze([]) });

export class ExemptionIndex {
  private readonly byServer = new Map<string, IndexedExemption[]>();
  private readonly bySubscription = new Map<string, IndexedExemption[]>();
  private readonly byResourceGroup = new Map<string, IndexedExemption[]>();
  private readonly byTagKey = new Map<string, IndexedExemption[]>();

  constructor(exemptions: readonly StoredExemption[]) {
    for (const exemption of exemptions) {
      const indexed: IndexedExemption = {
        exemption,
        expiresAtMs: exemption.expiresAt.getTime(),
        ref: { id: exemption.id, category: exemption.category, ruleId: exemption.ruleId, expiresAt: exemption.expiresAt.toISOString() },
      };
      const target = exemption.target;
      switch (target.kind) {
        case "server":
          push(this.byServer, armKey(target.serverArmId), indexed);
          break;
        case "subscription":
          push(this.bySubscription, target.subscriptionId.toLowerCase(), indexed);
          break;
        case "resourceGroup":
          push(this.byResourceGroup, resourceGroupKey(target.subscriptionId, target.resourceGroup), indexed);
          break;
        case "tag":
          push(this.byTagKey, target.key.toLowerCase(), indexed);
          break;
      }
    }
  }

  get isEmpty(): boolean {
    return this.byServer.size + this.bySubscription.size + this.byResourceGroup.size + this.byTagKey.size === 0;
  }

  /**
   * The exemptions covering the subject for the given rule (exemptions for one rule, or for all).
   * An exemption applies while now < expiresAt: at its expiry instant it has stopped applying.
   */
  lookup(subject: ExemptionSubject, ruleId: string, now: Date): ExemptionLookup {
    if (this.isEmpty) return NO_EXEMPTIONS;
    const candidates: IndexedExemption[] = [];
    collect(this.byServer.get(subject.armKey), ruleId, candidates);
    collect(this.bySubscription.get(subject.subscriptionKey), ruleId, candidates);
    collect(this.byResourceGroup.get(subject.resourceGroupKey), ruleId, candidates);
    if (this.byTagKey.size > 0) {
      for (const [key, value] of subject.tags) {
        const list = this.byTagKey.get(key);
        if (list) collect(list, ruleId, candidates, value);
      }
    }
    if (candidates.length === 0) return NO_EXEMPTIONS;

    const nowMs = now.getTime();
    let active: IndexedExemption | null = null;
    const expired: IndexedExemption[] = [];
    for (const item of candidates) {
      if (nowMs >= item.expiresAtMs) expired.push(item);
      else if (active === null || item.expiresAtMs > active.expiresAtMs || (item.expiresAtMs === active.expiresAtMs && item.ref.id < active.ref.id)) active = item;
    }
    expired.sort(latestExpiryFirst);
    return { active: active?.ref ?? null, expired: expired.map((item) => item.ref) };
  }
}

// Module-level helpers rather than closures: lookup runs once per server, 100,000 times an evaluation.
function collect(list: IndexedExemption[] | undefined, ruleId: string, into: IndexedExemption[], tagValue?: string) {
  if (!list) return;
  for (const item of list) {
    const exemption = item.exemption;
    if (exemption.ruleId !== null && exemption.ruleId !== ruleId) continue;
    if (tagValue !== undefined && exemption.target.kind === "tag" && exemption.target.value !== undefined && exemption.target.value !== tagValue) continue;
    into.push(item);
  }
}

function latestExpiryFirst(a: IndexedExemption, b: IndexedExemption): number {
  return b.expiresAtMs - a.expiresAtMs || (a.ref.id < b.ref.id ? -1 : a.ref.id > b.ref.id ? 1 : 0);
}

/** The key the index and the evaluator share for a resource group: its scope id, lower-cased. */
export function resourceGroupKey(subscriptionId: string, resourceGroup: string): string {
  return `/subscriptions/${subscriptionId}/resourcegroups/${resourceGroup}`.toLowerCase();
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V) {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
