// POST /providers/Microsoft.ResourceGraph/resources: Resource Graph queries over the emulated
// fleet, with Azure's paging ($top ≤ 1000, $skip, $skipToken), scoping (subscriptions, or every
// subscription the caller can read), authorizationScopeFilter, and both result formats.
import { createHash } from "node:crypto";
import { z } from "zod";
import { ArmError } from "../errors.ts";
import { KqlError } from "../kql/lexer.ts";
import { type CompiledQuery, type Row, compileQuery, toKqlString } from "../kql/compile.ts";
import { Timespan } from "../kql/parser.ts";
import { type ArgRow } from "../store/views.ts";
import { type EmulatorState } from "../state.ts";
import { type Reply, type RequestContext, type Route, path } from "./types.ts";

export const GRAPH_API_VERSIONS = ["2024-04-01", "2022-10-01", "2021-03-01"] as const;

const requestSchema = z.object({
  subscriptions: z.array(z.string()).optional(),
  managementGroups: z.array(z.string()).optional(),
  query: z.string({ error: "The request body must have a string 'query'." }),
  options: z
    .object({
      $top: z.number().int().min(1).max(1000).optional(),
      $skip: z.number().int().min(0).optional(),
      $skipToken: z.string().optional(),
      resultFormat: z.enum(["table", "objectArray"]).optional(),
      allowPartialScopes: z.boolean().optional(),
      authorizationScopeFilter: z.enum(["AtScopeAndBelow", "AtScopeAndAbove", "AtScopeExact", "AtScopeAboveAndBelow"]).optional(),
    })
    .optional(),
  facets: z.array(z.unknown()).optional(),
});

interface CachedResult {
  rows: Row[];
  columns: string[];
  createdMs: number;
}

interface SkipToken {
  /** hash of query text + scopes + filter + caller: a token only continues the query that made it */
  q: string;
  /** the snapshot the pages are cut from */
  s: string;
  o: number;
  n: number;
}

const CACHE_LIMIT = 4;
const CACHE_TTL_MS = 5 * 60_000;

/** Compiled queries and result snapshots, so paging a 100,000-row result is slicing, not re-querying. */
class QueryCache {
  private compiled = new Map<string, CompiledQuery>();
  private results = new Map<string, CachedResult>();

  compile(text: string, now: () => number): CompiledQuery {
    let compiled = this.compiled.get(text);
    if (!compiled) {
      compiled = compileQuery(text, now);
      if (this.compiled.size > 500) this.compiled.clear();
      this.compiled.set(text, compiled);
    }
    return compiled;
  }

  get(snapshot: string): CachedResult | undefined {
    const hit = this.results.get(snapshot);
    if (hit && Date.now() - hit.createdMs > CACHE_TTL_MS) {
      this.results.delete(snapshot);
      return undefined;
    }
    if (hit) {
      // refresh LRU position
      this.results.delete(snapshot);
      this.results.set(snapshot, hit);
    }
    return hit;
  }

  put(snapshot: string, result: CachedResult): void {
    this.results.set(snapshot, result);
    while (this.results.size > CACHE_LIMIT) this.results.delete(this.results.keys().next().value!);
  }
}

const caches = new WeakMap<EmulatorState, QueryCache>();

function cacheOf(state: EmulatorState): QueryCache {
  let cache = caches.get(state);
  if (!cache) caches.set(state, (cache = new QueryCache()));
  return cache;
}

export function graphError(error: KqlError, query: string): ArmError {
  const before = query.slice(0, error.position);
  const line = before.split("\n").length;
  const column = error.position - before.lastIndexOf("\n");
  return new ArmError(400, "BadRequest", `Query is invalid: ${error.message}.`, {
    details: [
      { code: "InvalidQuery", message: "Query is invalid. Please refer to the documentation for the Azure Resource Graph service and fix the error before retrying." },
      // The position goes into the message: ErrorDetails' extra properties must be objects per the OpenAPI document.
      { code: error.detailCode, message: `${error.message} (line ${line}, position ${column})` },
    ],
  });
}

function runGraphQuery(context: RequestContext): Reply {
  const parsed = requestSchema.safeParse(context.body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ArmError(400, "BadRequest", `The request content is invalid: '${issue.path.join(".") || "body"}': ${issue.message}`, {
      details: [{ code: "InvalidRequestContent", message: issue.message }],
    });
  }
  const request = parsed.data;
  const { store } = context.state;
  const options = request.options ?? {};
  const filter = options.authorizationScopeFilter ?? "AtScopeAndBelow";
  const principal = context.caller.principalId;

  let compiled: CompiledQuery;
  try {
    compiled = cacheOf(context.state).compile(request.query, () => store.clock.now());
  } catch (error) {
    if (error instanceof KqlError) throw graphError(error, request.query);
    throw error;
  }

  const readable = new Set(store.readableSubscriptions(principal));
  const tenantScope = request.subscriptions === undefined;
  const requested = (request.subscriptions ?? [...readable]).map((s) => s.toLowerCase());
  for (const subscription of requested) {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(subscription)) {
      throw new ArmError(400, "BadRequest", `The subscription '${subscription}' is not a valid subscription id.`, {
        details: [{ code: "InvalidSubscriptionId", message: `Invalid subscription id '${subscription}'.` }],
      });
    }
  }
  const scopes = [...new Set(requested)].filter((s) => readable.has(s)).sort();

  const queryHash = createHash("sha1")
    .update(JSON.stringify([request.query, scopes, tenantScope, filter, principal, request.managementGroups ?? null]))
    .digest("base64url")
    .slice(0, 22);

  let token: SkipToken | undefined;
  if (options.$skipToken !== undefined) {
    token = decodeSkipToken(options.$skipToken);
    if (!token || token.q !== queryHash) {
      throw new ArmError(400, "BadRequest", "The $skipToken is invalid or does not belong to this query, scope and caller.", {
        details: [{ code: "InvalidSkipToken", message: "Send the same query and subscriptions with the $skipToken returned by the previous page." }],
      });
    }
  }

  const cache = cacheOf(context.state);
  const snapshot = token?.s ?? `${queryHash}.${store.argVersion}`;
  let result = cache.get(snapshot);
  if (!result) {
    const rows = compiled.run(collectRows(context, compiled, scopes, filter, tenantScope));
    result = { rows, columns: compiled.columns, createdMs: Date.now() };
    cache.put(snapshot, result);
  }

  const pageSize = options.$top ?? token?.n ?? 100;
  const offset = options.$skip ?? token?.o ?? 0;
  const page = result.rows.slice(offset, offset + pageSize);
  const end = offset + page.length;
  const more = end < result.rows.length;
  const pageable = result.columns.includes("id");
  const body: Record<string, unknown> = {
    totalRecords: result.rows.length,
    count: page.length,
    resultTruncated: more && !pageable ? "true" : "false",
  };
  if (more && pageable) body.$skipToken = encodeSkipToken({ q: queryHash, s: snapshot, o: end, n: pageSize });
  body.data = options.resultFormat === "table" ? toTable(page, result.columns) : page.map(plainRow);
  body.facets = [];
  return { status: 200, body };
}

function collectRows(context: RequestContext, compiled: CompiledQuery, scopes: string[], filter: string, tenantScope: boolean): Row[] {
  const { store } = context.state;
  const canRead = store.rowReader(context.caller.principalId);
  const inScope = new Set(scopes);
  const includeAbove = filter === "AtScopeAndAbove" || filter === "AtScopeAboveAndBelow";
  const includeBelow = filter === "AtScopeAndBelow" || filter === "AtScopeAboveAndBelow";
  const isAuthorization = compiled.table === "authorizationresources";
  const rows: Row[] = [];
  for (const partition of store.argPartitions(compiled.table, compiled.typeHint)) {
    for (const row of partition.values()) {
      if (!visible(row)) continue;
      rows.push(row.doc);
    }
  }
  return rows;

  function visible(row: ArgRow): boolean {
    if (!isAuthorization) return inScope.has(row.subscriptionKey) && canRead(row);
    // Role assignments: where they sit relative to the queried subscriptions decides (authorizationScopeFilter).
    if (row.subscriptionKey === "") return (includeAbove || tenantScope) && inScope.size > 0;
    if (!inScope.has(row.subscriptionKey)) return false;
    const atSubscription = row.resourceGroupKey === "" && /^\/subscriptions\/[^/]+\/providers\/microsoft\.authorization\//.test(row.key);
    if (!atSubscription && !includeBelow) return false;
    return canRead(row);
  }
}

function plainRow(row: Row): Row {
  let copy: Row | undefined;
  for (const key in row) {
    const value = row[key];
    if (value instanceof Timespan) (copy ??= { ...row })[key] = toKqlString(value);
  }
  return copy ?? row;
}

function columnType(values: unknown[]): string {
  const sample = values.find((v) => v !== null && v !== undefined);
  if (typeof sample === "string" || sample instanceof Timespan) return "string";
  if (typeof sample === "number") return Number.isInteger(sample) ? "integer" : "number";
  if (typeof sample === "boolean") return "boolean";
  if (sample instanceof Date) return "datetime";
  return "object";
}

function toTable(rows: Row[], columns: string[]): { columns: { name: string; type: string }[]; rows: unknown[][] } {
  return {
    columns: columns.map((name) => ({ name, type: columnType(rows.map((r) => r[name])) })),
    rows: rows.map((row) => columns.map((name) => {
      const value = row[name];
      return value instanceof Timespan ? toKqlString(value) : (value ?? null);
    })),
  };
}

function encodeSkipToken(token: SkipToken): string {
  return Buffer.from(JSON.stringify(token)).toString("base64");
}

function decodeSkipToken(text: string): SkipToken | undefined {
  try {
    const value = JSON.parse(Buffer.from(text, "base64").toString("utf8")) as Partial<SkipToken>;
    if (typeof value.q === "string" && typeof value.s === "string" && Number.isInteger(value.o) && Number.isInteger(value.n)) return value as SkipToken;
  } catch {
    // fall through: not one of ours
  }
  return undefined;
}

export const resourceGraphRoutes: Route[] = [
  {
    method: "POST",
    pattern: path("/providers/Microsoft.ResourceGraph/resources"),
    name: "ResourceGraph.Resources",
    apiVersions: GRAPH_API_VERSIONS,
    resourceType: "resources",
    throttle: "graph",
    handle: runGraphQuery,
  },
];

