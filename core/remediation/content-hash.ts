// A plan's frozen content and its hash. Approval binds to the hash, and execution refuses a plan whose stored
// content no longer hashes to what was approved, so the canonical form must never depend on key order, row order
// or how the JSON was stored (Postgres jsonb reorders keys).
//
// Canonical JSON: objects with keys sorted by code unit, no whitespace, undefined members dropped, arrays in their
// order, numbers as JSON.stringify writes them (non-finite numbers are refused), strings as JSON.stringify escapes
// them. The hashed content is { items: [...by seq], options } where each item is
// { seq, kind, action, before, after, dependsOn, canary }. SHA-256, lower-case hex.
import { createHash } from "node:crypto";
import type { PlanOptions } from "./plan-types";

/** The part of an item that is content (status, attempts and results are not). */
export interface HashedItem {
  seq: number;
  kind: string;
  action: unknown;
  before: unknown;
  after: unknown;
  dependsOn: readonly number[];
  canary: boolean;
}

/** The canonical JSON text of a value (see the file comment). */
export function canonicalJson(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value)) throw new Error("canonicalJson: numbers must be finite");
      return JSON.stringify(value);
    case "object": {
      if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record)
        .filter((k) => record[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(",")}}`;
    }
    default:
      throw new Error(`canonicalJson: cannot encode a ${typeof value}`);
  }
}

const hashedItem = (item: HashedItem): HashedItem => ({
  seq: item.seq,
  kind: item.kind,
  action: item.action,
  before: item.before,
  after: item.after,
  dependsOn: [...item.dependsOn],
  canary: item.canary,
});

/**
 * SHA-256 of canonicalJson({ items, options }), items ordered by seq. Streamed item by item, so 10,000 items never
 * become one string; the result equals hashing the whole canonical text.
 */
export function planContentHash(items: readonly HashedItem[], options: PlanOptions): string {
  const hash = createHash("sha256");
  hash.update('{"items":[');
  const sorted = [...items].sort((a, b) => a.seq - b.seq);
  sorted.forEach((item, index) => {
    if (index > 0) hash.update(",");
    hash.update(canonicalJson(hashedItem(item)));
  });
  hash.update(`],"options":${canonicalJson(options)}}`);
  return hash.digest("hex");
}
