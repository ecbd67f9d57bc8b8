// GET /admin/users: admins manage users: roles, subscription scope, disabling, new local accounts.
import { roleCan } from "@/core/auth/permissions";
import { listUsers } from "@/core/auth/users";
import { requirePageActor } from "../../_lib/actor";
import { UsersPanel } from "./users-panel";

export const dynamic = "force-dynamic";

export default async function UsersPage() {
  const actor = await requirePageActor();
  if (!roleCan(actor.role, "users:manage")) return <p role="alert" className="error">Your role ({actor.role.toLowerCase()}) does not allow managing users.</p>;
  const users = await listUsers(actor);
  return (
    <>
      <h1>Users</h1>
      <UsersPanel
        users={users.map((u) => ({ ...u, entra: u.entraObjectId !== null, lastLoginAt: u.lastLoginAt?.toISOString() ?? null }))}
      />
    </>
  );
}
