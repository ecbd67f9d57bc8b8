// GET /api/scans/:scanId: one scan's status and counts.
import { z } from "zod";
import { getScan } from "@/core/inventory/get-scan";
import { AppError } from "@/core/errors";
import { route } from "../../_lib/route";

export const GET = route({ permission: "fleet:read", params: z.strictObject({ scanId: z.uuid() }) }, async ({ params }) => {
  const scan = await getScan(params.scanId);
  if (!scan) throw new AppError("NOT_FOUND", `Scan ${params.scanId} does not exist`);
  return Response.json({ id: scan.id, status: scan.status, trigger: scan.trigger, queuedAt: scan.queuedAt, startedAt: scan.startedAt, finishedAt: scan.finishedAt, counts: scan.counts, error: scan.error });
});
