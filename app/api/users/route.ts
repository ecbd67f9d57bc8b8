// GET /api/users: every user (admins). POST /api/users: an admin creates a local account.
import { createUserSchema } from "@/core/auth/schemas";
import { createUser, listUsers } from "@/core/auth/users";
import { route } from "../_lib/route";

export const GET = route({ permission: "users:manage" }, async ({ actor }) => Response.json({ users: await listUsers(actor) }));

export const POST = route({ permission: "users:manage", body: createUserSchema }, async ({ actor, body }) => Response.json(await createUser(actor, body), { status: 201 }));
