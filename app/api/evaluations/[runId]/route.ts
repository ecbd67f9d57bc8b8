// GET /api/evaluations/:runId: one evaluation run's status, counts and duration.
import { z } from "zod";
import { db } from "@/core/db/client";
import { AppError } from "@/core/errors";
import { route } from "../../_lib/route";

export const GET = route({ permission: "fleet:read", params: z.strictObject({ runId: z.uuid() }) }, async ({ params }) => {
  const run = await db().evaluationRun.findUnique({ where: { id: params.runId } });
  if (!run) throw new AppError("NOT_FOUND", `Evaluation run ${params.runId} does not exist`);
  return Response.json(run);
});
