// GET /api/plans/:planId/history?format=csv|json: the run's job history (every item and step with times, outcome,
// Azure error and request ids), streamed, for anyone who may read the fleet.
import { z } from "zod";
import { assertPlanVisible } from "@/core/remediation/run-control";
import { historyCsv, historyJson } from "@/core/remediation/run-history";
import { contentDisposition } from "@/core/templates/safe-file-name";
import { route } from "../../../_lib/route";

const params = z.strictObject({ planId: z.uuid({ error: "planId must be a plan id (a UUID)" }) });
const query = z.strictObject({ format: z.enum(["csv", "json"], { error: "format must be csv or json" }).default("json") });

export const GET = route({ permission: "fleet:read", params, query }, async ({ actor, params, query }) => {
  await assertPlanVisible(actor, params.planId);
  const chunks = query.format === "csv" ? historyCsv(params.planId) : historyJson(params.planId);
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
  const type = query.format === "csv" ? "text/csv; charset=utf-8" : "application/json";
  return new Response(stream, { headers: { "content-type": type, "content-disposition": contentDisposition(`plan-${params.planId}-history.${query.format}`) } });
});
