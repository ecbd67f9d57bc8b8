// The shape every route handler shares: a matched request in, a status/body/headers out.
import { type Caller } from "../auth.ts";
import { type OperationKind } from "../limits.ts";
import { type EmulatorState } from "../state.ts";

export interface RequestContext {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  caller: Caller;
  /** https://host:port of the emulator as the client reached it, for Location/nextLink URLs. */
  baseUrl: string;
  apiVersion: string;
  state: EmulatorState;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Route {
  method: "GET" | "PUT" | "POST" | "DELETE" | "PATCH";
  /** Matched case-insensitively against the path; named groups become params. */
  pattern: RegExp;
  /** Operation name used in request statistics. */
  name: string;
  apiVersions: readonly string[];
  /** Resource type named in InvalidApiVersionParameter errors. */
  resourceType: string;
  /** Which throttling applies: Resource Graph's quota, or ARM's buckets of this kind. */
  throttle: "graph" | OperationKind;
  handle: (context: RequestContext) => Reply | Promise<Reply>;
}

/** `{name}` path segments → named regex groups; `{name*}` matches several segments. */
export function path(template: string): RegExp {
  const source = template
    .split("/")
    .map((segment) => {
      const many = /^\{(\w+)\*\}$/.exec(segment);
      if (many) return `(?<${many[1]}>.+?)`;
      const one = /^\{(\w+)\}$/.exec(segment);
      if (one) return `(?<${one[1]}>[^/]+)`;
      return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return new RegExp(`^${source}/?$`, "i");
}
