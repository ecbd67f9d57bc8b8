// Sign-in, API tokens, user changes and the audit log against the real database and Redis.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "@/core/auth/actor";
import { hashPassword } from "@/core/auth/passwords";
import { signInLocal, userForSession } from "@/core/auth/sign-in";
import { actorForToken, createApiToken, revokeApiToken } from "@/core/auth/tokens";
import { updateUser } from "@/core/auth/users";
import { db, disconnectDb } from "@/core/db/client";
import type { Role } from "@/core/db/generated/enums";

const PASSWORD = "correct horse battery staple";

async function makeUser(role: Role, subscriptions: string[] = []) {
  const username = `u-${randomUUID().slice(0, 8)}`;
  const user = await db().user.create({ data: { username, displayName: username, role, subscriptions, passwordHash: await hashPassword(PASSWORD) } });
  const actor: Actor = { kind: "user", userId: user.id, label: username, role, subscriptions: subscriptions.length ? subscriptions : null, sourceIp: "203.0.113.7" };
  return { user, actor };
}

describe("access control core", () => {
  let admin: Actor;
  beforeAll(async () => {
    process.env.LOGIN_MAX_ATTEMPTS = "3";
    admin = (await makeUser("ADMIN")).actor;
  });
  afterAll(() => disconnectDb());

  it("signs in with the right password, and records who, when and from where", async () => {
    const { user } = await makeUser("VIEWER");
    const claims = await signInLocal({ username: user.username, password: PASSWORD }, "198.51.100.1");
    expect(claims).toEqual({ userId: user.id, sessionVersion: 0 });
    const event = await db().auditEvent.findFirstOrThrow({ where: { actorId: user.id, action: "sign-in" } });
    expect(event).toMatchObject({ actorLabel: user.username, sourceIp: "198.51.100.1" });
  });

  it("answers a wrong password and an unknown user alike, audits both, and blocks after the limit", async () => {
    const { user } = await makeUser("VIEWER");
    const wrong = await signInLocal({ username: user.username, password: "nope" }, "198.51.100.2").catch((e: Error) => e.message);
    const unknown = await signInLocal({ username: "no-such-user", password: "nope" }, "198.51.100.2").catch((e: Error) => e.message);
    expect(wrong).toBe(unknown);
    await signInLocal({ username: user.username, password: "nope" }, "198.51.100.2").catch(() => {});
    await signInLocal({ username: user.username, password: "nope" }, "198.51.100.2").catch(() => {});
    // Three failures: even the right password is refused now, from that address.
    await expect(signInLocal({ username: user.username, password: PASSWORD }, "198.51.100.2")).rejects.toMatchObject({ code: "TOO_MANY_REQUESTS" });
    // Another address is not blocked by someone else's guessing.
    await expect(signInLocal({ username: user.username, password: PASSWORD }, "198.51.100.3")).resolves.toMatchObject({ userId: user.id });
    expect(await db().auditEvent.count({ where: { actorId: user.id, action: "sign-in.failed" } })).toBe(3);
    expect(await db().auditEvent.count({ where: { actorLabel: user.username, action: "sign-in.blocked" } })).toBe(1);
  });

  it("shows a token once, stores only its hash, and honours revocation, expiry and the owner's rights", async () => {
    const { user, actor } = await makeUser("OPERATOR", ["11111111-1111-4111-8111-111111111111"]);
    const created = await createApiToken(actor, { name: "ci", role: "operator" });
    expect(created.token).toMatch(/^fgt_[\w-]{43}$/);
    const stored = await db().apiToken.findUniqueOrThrow({ where: { id: created.id } });
    expect(JSON.stringify(stored)).not.toContain(created.token);

    const asToken = await actorForToken(created.token, null);
    expect(asToken).toMatchObject({ kind: "token", userId: user.id, role: "OPERATOR", subscriptions: ["11111111-1111-4111-8111-111111111111"] });
    expect((await db().apiToken.findUniqueOrThrow({ where: { id: created.id } })).lastUsedAt).toBeInstanceOf(Date);

    await expect(createApiToken(actor, { name: "too-much", role: "admin" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(createApiToken(asToken!, { name: "from-token", role: "viewer" })).rejects.toMatchObject({ code: "FORBIDDEN" });

    // Demoting the owner demotes the token.
    await updateUser(admin, user.id, { role: "viewer" });
    expect((await actorForToken(created.token, null))?.role).toBe("VIEWER");

    await revokeApiToken(actor, created.id);
    expect(await actorForToken(created.token, null)).toBeNull();

    const expiring = await createApiToken({ ...actor, role: "VIEWER" }, { name: "short", role: "viewer", expiresInDays: 1 });
    await db().apiToken.update({ where: { id: expiring.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await actorForToken(expiring.token, null)).toBeNull();
    expect(await actorForToken("fgt_not-a-real-token", null)).toBeNull();
  });

  it("signs a user out everywhere when their role changes or they are disabled", async () => {
    const { user } = await makeUser("OPERATOR");
    const claims = await signInLocal({ username: user.username, password: PASSWORD }, null);
    expect(await userForSession(claims)).not.toBeNull();
    await updateUser(admin, user.id, { displayName: "Renamed" });
    expect(await userForSession(claims)).not.toBeNull(); // a new name does not
    await updateUser(admin, user.id, { role: "viewer" });
    expect(await userForSession(claims)).toBeNull();
    const again = await signInLocal({ username: user.username, password: PASSWORD }, null);
    await updateUser(admin, user.id, { disabled: true });
    expect(await userForSession(again)).toBeNull();
    await expect(signInLocal({ username: user.username, password: PASSWORD }, null)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
  });

  it("audits user changes with before and after, and the log cannot be edited or deleted", async () => {
    const { user } = await makeUser("VIEWER");
    await updateUser(admin, user.id, { role: "approver", subscriptions: ["22222222-2222-4222-8222-222222222222"] });
    const event = await db().auditEvent.findFirstOrThrow({ where: { action: "user.update", targetId: user.id } });
    expect(event.before).toEqual({ role: "VIEWER", subscriptions: [] });
    expect(event.after).toEqual({ role: "APPROVER", subscriptions: ["22222222-2222-4222-8222-222222222222"] });
    expect(event.actorLabel).toBe(admin.label);
    await expect(db().$executeRaw`UPDATE audit_event SET action = 'tampered' WHERE id = ${event.id}`).rejects.toThrow(/append-only/);
    await expect(db().$executeRaw`DELETE FROM audit_event WHERE id = ${event.id}`).rejects.toThrow(/append-only/);
    expect((await db().auditEvent.findUniqueOrThrow({ where: { id: event.id } })).action).toBe("user.update");
  });

  it("refuses to let an admin lock themselves out", async () => {
    await expect(updateUser(admin, admin.userId!, { disabled: true })).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(updateUser(admin, admin.userId!, { role: "viewer" })).rejects.toMatchObject({ code: "CONFLICT" });
  });
});
