// DELETE /api/exemptions/:exemptionId: an operator or admin revokes an exemption before its expiry.
import { z } from "zod";
import { revokeExemption } from "@/core/exemptions/revoke-exemption";
import { route } from "../../_lib/route";

const params = z.strictObject({ exemptionId: z.uuid({ error: "exemptionId must be an exemption id (a UUID)" }) });

export const DELETE = route({ permission: "exemptions:write", params }, async ({ actor, params }) => {
  await revokeExemption(actor, params.exemptionId);
  return new Response(null, { status: 204 });
});
