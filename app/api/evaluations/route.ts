// POST /api/evaluations: an operator asks for a bulk evaluation now (joins one already queued).
import { z } from "zod";
import { recordAudit } from "@/core/audit/record-audit";
import { requestEvaluation } from "@/core/evaluation/request-evaluation";
import { route } from "../_lib/route";

export const POST = route({ permission: "scan:run", body: z.strictObject({}).optional() }, async ({ actor }) => {
  const result = await requestEvaluation(actor.kind === "token" ? "api" : "dashboard");
  if (result.created) await recordAudit(actor, { action: "evaluation.request", targetType: "evaluation_run", targetId: result.runId });
  return Response.json(result, { status: result.created ? 201 : 200 });
});
