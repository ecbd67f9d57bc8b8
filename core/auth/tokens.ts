import { createHash, randomBytes } from "node:crypto";
import { recordAudit } from "../audit/record-audit";
import { db } from "../db/client";
import { AppError } from "../errors";
import { authorize, type Actor } from "./actor";
import { roleCan, roleCovers } from "./permissions";
import { createTokenSchema, type CreateTokenInput } from "./schemas";

/** Tokens look like fgt_<43 url-safe characters>: 256 random bits, so a fast hash suffices to store them. */
const TOKEN_PREFIX = "fgt_";
const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

export interface CreatedToken {
  id: string;
  name: string;
  role: string;
  /** The token itself: returned once, never stored. */
  token: string;
  expiresAt: Date | null;
}

/** Creates an API token for the acting user, with a role no higher than theirs. */
export async function createApiToken(actor: Actor, input: CreateTokenInput): Promise<CreatedToken> {
  authorize(actor, "tokens:own");
  if (actor.kind !== "user" || !actor.userId) throw new AppError("FORBIDDEN", "API tokens are created by signed-in users, not by other tokens");
  const { name, role, expiresInDays } = createTokenSchema.parse(input);
  if (!roleCovers(actor.role, role)) throw new AppError("FORBIDDEN", `A token cannot have more rights than its owner: your role is ${actor.role.toLowerCase()}`);
  const token = TOKEN_PREFIX + randomBytes(32).toString("base64url");
  const expiresAt = expiresInDays ? new Date(Date.now() + expiresInDays * 86_400_000) : null;
  const row = await db().$transaction(async (tx) => {
    const created = await tx.apiToken.create({ data: { userId: actor.userId!, name, role, prefix: token.slice(0, 10), tokenHash: hashToken(token), expiresAt } });
    await recordAudit(actor, { action: "token.create", targetType: "api_token", targetId: created.id, after: { name, role, expiresAt } }, tx);
    return created;
  });
  return { id: row.id, name, role, token, expiresAt };
}

/** The tokens an actor may see: their own, or everyone's for admins. Never the token itself. */
export async function listApiTokens(actor: Actor) {
  authorize(actor, "tokens:own");
  const all = roleCan(actor.role, "tokens:manage");
  return db().apiToken.findMany({
    where: all ? {} : { userId: actor.userId ?? "00000000-0000-0000-0000-000000000000" },
    orderBy: { createdAt: "desc" },
    select: { id: true, name: true, prefix: true, role: true, createdAt: true, expiresAt: true, lastUsedAt: true, revokedAt: true, user: { select: { username: true } } },
  });
}

/** Revokes a token: its owner or an admin. Revoking twice is harmless. */
export async function revokeApiToken(actor: Actor, tokenId: string): Promise<void> {
  authorize(actor, "tokens:own");
  await db().$transaction(async (tx) => {
    const token = await tx.apiToken.findUnique({ where: { id: tokenId } });
    if (!token || (token.userId !== actor.userId && !roleCan(actor.role, "tokens:manage"))) throw new AppError("NOT_FOUND", `Token ${tokenId} does not exist`);
    if (token.revokedAt) return;
    await tx.apiToken.update({ where: { id: tokenId }, data: { revokedAt: new Date() } });
    await recordAudit(actor, { action: "token.revoke", targetType: "api_token", targetId: tokenId, before: { name: token.name, role: token.role } }, tx);
  });
}

/**
 * The actor a bearer token stands for, or null when it is unknown, revoked, expired, or its owner is disabled.
 * The token acts with its own role, limited to its owner's current subscriptions.
 */
export async function actorForToken(token: string, sourceIp: string | null): Promise<Actor | null> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 100) return null;
  const row = await db().apiToken.findUnique({ where: { tokenHash: hashToken(token) }, include: { user: true } });
  if (!row || row.revokedAt || (row.expiresAt && row.expiresAt <= new Date()) || row.user.disabled) return null;
  // The owner's rights today bound the token: demoting a user demotes their tokens.
  const role = roleCovers(row.user.role, row.role) ? row.role : row.user.role;
  await db().apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } });
  return {
    kind: "token",
    userId: row.userId,
    label: `token:${row.name} (${row.user.username})`,
    role,
    subscriptions: row.user.subscriptions.length ? row.user.subscriptions : null,
    sourceIp,
  };
}
