// Who is asking: a bearer API token, else the session cookie. Used by every page, route handler and server action.
import { getServerSession } from "next-auth";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import type { Actor } from "@/core/auth/actor";
import { actorForToken } from "@/core/auth/tokens";
import { userForSession } from "@/core/auth/sign-in";
import { authOptions } from "./auth-options";
import { clientIp } from "./client-ip";

/** The actor behind the current request, or null when nobody valid is signed in. */
export async function currentActor(): Promise<Actor | null> {
  const h = await headers();
  const ip = clientIp(h);
  const authorization = h.get("authorization");
  if (authorization?.toLowerCase().startsWith("bearer ")) return actorForToken(authorization.slice(7).trim(), ip);
  const session = (await getServerSession(authOptions())) as { uid?: string; sv?: number } | null;
  if (!session) return null;
  const user = await userForSession({ userId: session.uid, sessionVersion: session.sv });
  if (!user) return null;
  return {
    kind: "user",
    userId: user.id,
    label: user.username,
    role: user.role,
    subscriptions: user.subscriptions.length ? user.subscriptions : null,
    sourceIp: ip,
  };
}

/** For pages: the actor, or a redirect to the sign-in page. */
export async function requirePageActor(): Promise<Actor> {
  const actor = await currentActor();
  if (!actor) redirect("/login");
  return actor;
}
