// GET /api/plans/:planId/events: live progress of a run as server-sent events ("progress": counts, percent, ETA),
// for anyone who may read the fleet. Through the route wrapper like every route: the handler's Response is a
// stream. It ends when the run is not running (the browser's EventSource reconnects after `retry`).
import { z } from "zod";
import { assertPlanVisible } from "@/core/remediation/run-control";
import { runProgressEvents } from "@/core/remediation/run-events";
import { route } from "../../../_lib/route";

const params = z.strictObject({ planId: z.uuid({ error: "planId must be a plan id (a UUID)" }) });

export const GET = route({ permission: "fleet:read", params }, async ({ actor, params, req }) => {
  await assertPlanVisible(actor, params.planId);
  const encoder = new TextEncoder();
  const events = runProgressEvents(params.planId, { signal: req.signal });
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await events.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await events.return(undefined);
    },
  });
  return new Response(stream, { headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache, no-transform", "x-accel-buffering": "no" } });
});
