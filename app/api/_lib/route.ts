// The one wrapper every API route handler goes through: who is asking (token or session), whether their role
// allows it, CSRF for cookie-authenticated changes, size limits, strict zod parsing of params, query and body,
// and one error body. Route files stay a screen long and never check any of this themselves.
import { z } from "zod";
import { authorize, type Actor } from "@/core/auth/actor";
import type { Permission } from "@/core/auth/permissions";
import { env } from "@/core/config/env";
import { AppError } from "@/core/errors";
import { isDatabaseDown } from "@/core/health/database-down";
import { log } from "@/core/log";
import { currentActor } from "@/app/_lib/actor";

export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  permission: Permission;
  params?: P;
  query?: Q;
  body?: B;
}

export interface RouteInput<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  actor: Actor;
  params: z.infer<P>;
  query: z.infer<Q>;
  body: z.infer<B>;
  req: Request;
}

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export function route<P extends z.ZodType = z.ZodUnknown, Q extends z.ZodType = z.ZodUnknown, B extends z.ZodType = z.ZodUnknown>(
  spec: RouteSpec<P, Q, B>,
  handler: (input: RouteInput<P, Q, B>) => Promise<Response>,
) {
  return async (req: Request, ctx: { params: Promise<unknown> }): Promise<Response> => {
    try {
      const actor = await currentActor();
      if (!actor) throw new AppError("UNAUTHENTICATED", "Sign in, or send an API token as 'Authorization: Bearer <token>'");
      if (MUTATING.has(req.method) && actor.kind === "user") checkSameOrigin(req);
      authorize(actor, spec.permission);
      const params = (spec.params ? spec.params.parse(await ctx.params) : undefined) as z.infer<P>;
      const query = (spec.query ? spec.query.parse(Object.fromEntries(new URL(req.url).searchParams)) : undefined) as z.infer<Q>;
      const body = (spec.body ? spec.body.parse(await readJson(req)) : undefined) as z.infer<B>;
      return await handler({ actor, params, query, body, req });
    } catch (err) {
      return errorResponse(err);
    }
  };
}

/**
 * Cookie-authenticated changes must come from our own pages: browsers send Origin on cross-site POSTs, and
 * SameSite cookies are the second line. Token callers are not browsers and are exempt.
 */
function checkSameOrigin(req: Request): void {
  const origin = req.headers.get("origin");
  const host = req.headers.get("x-forwarded-host") ?? req.headers.get("host");
  if (!origin || !host || new URL(origin).host !== host)
    throw new AppError("FORBIDDEN", "Cross-site request refused: changes must come from Flexguard's own pages (Origin does not match)");
}

async function readJson(req: Request): Promise<unknown> {
  const limit = env().MAX_BODY_BYTES;
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > limit) throw new AppError("PAYLOAD_TOO_LARGE", `The request body is larger than ${limit} bytes`);
  const text = await req.text();
  if (Buffer.byteLength(text) > limit) throw new AppError("PAYLOAD_TOO_LARGE", `The request body is larger than ${limit} bytes`);
  if (!/^application\/json\b/i.test(req.headers.get("content-type") ?? "")) throw new AppError("INVALID_JSON", "Send the body as JSON (Content-Type: application/json)");
  try {
    return JSON.parse(text || "null");
  } catch {
    throw new AppError("INVALID_JSON", "The request body is not valid JSON");
  }
}

/** The one error body: { error: { code, message, issues? } }. Zod issues name the field and the reason, never echo the input. */
export function errorResponse(err: unknown): Response {
  if (err instanceof z.ZodError) {
    const issues = err.issues.map((i) => ({ field: i.path.join(".") || "(body)", reason: i.message }));
    const message = issues.map((i) => `${i.field}: ${i.reason}`).join("; ");
    return Response.json({ error: { code: "VALIDATION_FAILED", message, issues } }, { status: 400 });
  }
  if (err instanceof AppError)
    return Response.json({ error: { code: err.code, message: err.message, ...(err.opts.issues ? { issues: err.opts.issues } : {}) } }, { status: err.httpStatus });
  if (isDatabaseDown(err)) return Response.json({ error: { code: "SERVICE_UNAVAILABLE", message: "The database is not reachable; try again shortly" } }, { status: 503 });
  log().error({ err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err) }, "unhandled error in route");
  return Response.json({ error: { code: "INTERNAL", message: "Unexpected error" } }, { status: 500 });
}

