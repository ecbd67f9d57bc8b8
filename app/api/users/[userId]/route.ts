// PATCH /api/users/:userId: an admin changes a user's role, subscriptions, name, password or disabled flag.
import { z } from "zod";
import { updateUserSchema } from "@/core/auth/schemas";
import { updateUser } from "@/core/auth/users";
import { route } from "../../_lib/route";

export const PATCH = route({ permission: "users:manage", params: z.strictObject({ userId: z.uuid() }), body: updateUserSchema }, async ({ actor, params, body }) =>
  Response.json(await updateUser(actor, params.userId, body)),
);
