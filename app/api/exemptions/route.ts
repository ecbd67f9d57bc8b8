// GET /api/exemptions?status=active|expiring|expired|revoked|all&withinDays=: exemptions the caller sees, with counts.
// POST /api/exemptions: an operator or admin grants one (expiry within EXEMPTION_MAX_VALIDITY; granted by the caller).
import { z } from "zod";
import { createExemption, type CreateExemptionInput } from "@/core/exemptions/create-exemption";
import { listExemptions, listExemptionsSchema } from "@/core/exemptions/list-exemptions";
import { route } from "../_lib/route";

export const GET = route({ permission: "fleet:read", query: listExemptionsSchema }, async ({ actor, query }) => Response.json(await listExemptions(actor, query)));

// The exemption's own schema runs in core, where the clock and the configured maximum validity are known.
const body = z.record(z.string(), z.unknown(), { error: "the body must be an exemption object" });

export const POST = route({ permission: "exemptions:write", body }, async ({ actor, body }) =>
  Response.json(await createExemption(actor, body as CreateExemptionInput), { status: 201 }),
);
