// GET /api/me: who the caller is, with their role, permissions and subscription scope.
import { ROLE_PERMISSIONS } from "@/core/auth/permissions";
import { route } from "../_lib/route";

export const GET = route({ permission: "fleet:read" }, async ({ actor }) =>
  Response.json({ kind: actor.kind, label: actor.label, role: actor.role, permissions: [...ROLE_PERMISSIONS[actor.role]], subscriptions: actor.subscriptions }),
);
