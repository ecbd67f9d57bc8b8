// GET /api/tokens: the caller's API tokens (everyone's for admins), never the secrets. POST /api/tokens: create one;
// the token is in this response only.
import { createTokenSchema } from "@/core/auth/schemas";
import { createApiToken, listApiTokens } from "@/core/auth/tokens";
import { route } from "../_lib/route";

export const GET = route({ permission: "tokens:own" }, async ({ actor }) => Response.json({ tokens: await listApiTokens(actor) }));

export const POST = route({ permission: "tokens:own", body: createTokenSchema }, async ({ actor, body }) =>
  Response.json(await createApiToken(actor, body), { status: 201, headers: { "cache-control": "no-store" } }),
);
