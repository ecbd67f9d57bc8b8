// GET /api/status: the fleet's protection at a glance in the caller's subscriptions (same figures as the overview
// and `flexguard status`).
import { fleetStatus } from "@/core/evaluation/fleet-status";
import { route } from "../_lib/route";

export const GET = route({ permission: "fleet:read" }, async ({ actor }) => Response.json(await fleetStatus(actor)));
