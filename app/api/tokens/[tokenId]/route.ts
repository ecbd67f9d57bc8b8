// DELETE /api/tokens/:tokenId: revoke a token (its owner, or an admin).
import { z } from "zod";
import { revokeApiToken } from "@/core/auth/tokens";
import { route } from "../../_lib/route";

export const DELETE = route({ permission: "tokens:own", params: z.strictObject({ tokenId: z.uuid() }) }, async ({ actor, params }) => {
  await revokeApiToken(actor, params.tokenId);
  return new Response(null, { status: 204 });
});
