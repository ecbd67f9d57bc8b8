// GET /api/scans: recent scans with their per-subscription outcomes. POST /api/scans: an operator starts a scan
// (or joins the one already queued or running).
import { z } from "zod";
import { listScans } from "@/core/inventory/get-scan";
import { requestScan } from "@/core/inventory/request-scan";
import { route } from "../_lib/route";

export const GET = route({ permission: "fleet:read" }, async ({ actor }) => Response.json({ scans: await listScans(actor) }));

export const POST = route({ permission: "scan:run", body: z.strictObject({}).optional() }, async ({ actor }) => {
  const result = await requestScan({ trigger: actor.kind === "token" ? "api" : "dashboard", actor });
  return Response.json(result, { status: result.created ? 201 : 200 });
});
