import { Redis } from "ioredis";
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { recordAudit } from "../audit/record-audit";
import { env } from "../config/env";
import { db } from "../db/client";
import type { Role } from "../db/generated/enums";
import { AppError } from "../errors";
import { DUMMY_HASH_PROMISE, verifyPassword } from "./passwords";
import { signInSchema } from "./schemas";

/** What a session carries: the user and the session version it was issued for. */
export interface SessionClaims {
  userId: string;
  sessionVersion: number;
}

const cache = globalThis as typeof globalThis & { flexguardLoginLimiter?: RateLimiterRedis };
function limiter(): RateLimiterRedis {
  return (cache.flexguardLoginLimiter ??= new RateLimiterRedis({
    // Commands queue until the first connection is up; a Redis that stays down fails the sign-in after one retry.
    storeClient: new Redis(env().REDIS_URL, { maxRetriesPerRequest: 1 }),
    keyPrefix: `${env().QUEUE_PREFIX}:login-failures`,
    points: env().LOGIN_MAX_ATTEMPTS,
    duration: 15 * 60,
    blockDuration: 15 * 60,
  }));
}

const GENERIC_FAILURE = "The user name or password is wrong, or the account is disabled";

/**
 * Checks a local account's password. Failures are counted per user name and address in Redis, so that
 * guessing is refused after LOGIN_MAX_ATTEMPTS tries in 15 minutes across every app instance; every attempt
 * is audited, and the answer never says whether the name exists.
 */
export async function signInLocal(input: { username: unknown; password: unknown }, sourceIp: string | null): Promise<SessionClaims> {
  const parsed = signInSchema.safeParse(input);
  if (!parsed.success) throw new AppError("UNAUTHENTICATED", GENERIC_FAILURE);
  const { username, password } = parsed.data;
  const key = `${username}|${sourceIp ?? "unknown"}`;
  const state = await limiter().get(key);
  if (state && state.consumedPoints >= env().LOGIN_MAX_ATTEMPTS) {
    await recordAudit({ userId: null, label: username, sourceIp }, { action: "sign-in.blocked", details: { retryAfterSeconds: Math.ceil(state.msBeforeNext / 1000) } });
    throw new AppError("TOO_MANY_REQUESTS", `Too many failed sign-ins; try again in ${Math.ceil(state.msBeforeNext / 60_000)} minutes`);
  }
  const user = await db().user.findUnique({ where: { username } });
  const ok = user?.passwordHash ? await verifyPassword(user.passwordHash, password) : (await verifyPassword(await DUMMY_HASH_PROMISE, password), false);
  if (!user || !ok || user.disabled) {
    await limiter().penalty(key, 1).catch((err: unknown) => {
      if (!(err instanceof RateLimiterRes)) throw err;
    });
    await recordAudit({ userId: user?.id ?? null, label: username, sourceIp }, { action: "sign-in.failed", details: { reason: !user ? "unknown user" : user.disabled ? "disabled" : "wrong password" } });
    throw new AppError("UNAUTHENTICATED", GENERIC_FAILURE);
  }
  await limiter().delete(key);
  await db().user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
  await recordAudit({ userId: user.id, label: user.username, sourceIp }, { action: "sign-in", details: { method: "password" } });
  return { userId: user.id, sessionVersion: user.sessionVersion };
}

const RANK: Record<Role, number> = { VIEWER: 0, APPROVER: 1, OPERATOR: 2, ADMIN: 3 };

/** The Flexguard role Entra claims (app roles or group ids) map to: the highest mapped one, else viewer. */
export function roleFromEntraClaims(claims: { roles?: unknown; groups?: unknown }, map: Record<string, Role>): Role {
  const values = [claims.roles, claims.groups].flatMap((v) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []));
  return values.map((v) => map[v]).filter((r): r is Role => r !== undefined).sort((a, b) => RANK[b] - RANK[a])[0] ?? "VIEWER";
}

/** Signs in an Entra ID user by object id, creating or updating their account; the role follows the claims each time. */
export async function signInEntra(profile: { oid: string; username: string; name: string; roles?: unknown; groups?: unknown }, sourceIp: string | null): Promise<SessionClaims> {
  const role = roleFromEntraClaims(profile, env().ENTRA_ROLE_MAP);
  const username = profile.username.toLowerCase();
  const existing = await db().user.findUnique({ where: { entraObjectId: profile.oid } });
  if (existing?.disabled) {
    await recordAudit({ userId: existing.id, label: existing.username, sourceIp }, { action: "sign-in.failed", details: { reason: "disabled", method: "entra" } });
    throw new AppError("UNAUTHENTICATED", GENERIC_FAILURE);
  }
  const user = existing
    ? await db().user.update({
        where: { id: existing.id },
        data: { role, displayName: profile.name, lastLoginAt: new Date(), ...(existing.role !== role ? { sessionVersion: { increment: 1 } } : {}) },
      })
    : await db().user.create({ data: { username, displayName: profile.name, role, entraObjectId: profile.oid, lastLoginAt: new Date() } });
  await recordAudit({ userId: user.id, label: user.username, sourceIp }, { action: "sign-in", details: { method: "entra", role } });
  return { userId: user.id, sessionVersion: user.sessionVersion };
}

/** The actor a session stands for, or null when the user is gone, disabled, or changed since the session began. */
export async function userForSession(claims: Partial<SessionClaims>) {
  if (typeof claims.userId !== "string" || typeof claims.sessionVersion !== "number") return null;
  const user = await db().user.findUnique({ where: { id: claims.userId } });
  if (!user || user.disabled || user.sessionVersion !== claims.sessionVersion) return null;
  return user;
}
