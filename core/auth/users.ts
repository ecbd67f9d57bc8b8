import { recordAudit } from "../audit/record-audit";
import { db } from "../db/client";
import { AppError } from "../errors";
import { authorize, type Actor } from "./actor";
import { hashPassword } from "./passwords";
import { createUserSchema, updateUserSchema, type CreateUserInput, type UpdateUserInput } from "./schemas";

const PUBLIC_FIELDS = { id: true, username: true, displayName: true, role: true, subscriptions: true, disabled: true, entraObjectId: true, createdAt: true, lastLoginAt: true } as const;

/** Users, for admins. Never the password hash. */
export async function listUsers(actor: Actor) {
  authorize(actor, "users:manage");
  return db().user.findMany({ orderBy: { username: "asc" }, select: PUBLIC_FIELDS });
}

/** Creates a local account. */
export async function createUser(actor: Actor, input: CreateUserInput) {
  authorize(actor, "users:manage");
  const { password, ...data } = createUserSchema.parse(input);
  const passwordHash = await hashPassword(password);
  return db().$transaction(async (tx) => {
    if (await tx.user.findUnique({ where: { username: data.username } })) throw new AppError("CONFLICT", `A user named ${data.username} already exists`);
    const user = await tx.user.create({ data: { ...data, passwordHash }, select: PUBLIC_FIELDS });
    await recordAudit(actor, { action: "user.create", targetType: "user", targetId: user.id, after: data }, tx);
    return user;
  });
}

/** Changes a user's name, role, scope, password or disabled flag; a change of rights or password signs them out everywhere. */
export async function updateUser(actor: Actor, userId: string, input: UpdateUserInput) {
  authorize(actor, "users:manage");
  const { password, ...changes } = updateUserSchema.parse(input);
  if (userId === actor.userId && (changes.disabled === true || (changes.role && changes.role !== "ADMIN")))
    throw new AppError("CONFLICT", "Admins cannot disable or demote themselves; ask another admin");
  const passwordHash = password ? await hashPassword(password) : undefined;
  const signsOut = Boolean(passwordHash) || changes.role !== undefined || changes.subscriptions !== undefined || changes.disabled !== undefined;
  return db().$transaction(async (tx) => {
    const before = await tx.user.findUnique({ where: { id: userId }, select: PUBLIC_FIELDS });
    if (!before) throw new AppError("NOT_FOUND", `User ${userId} does not exist`);
    const after = await tx.user.update({
      where: { id: userId },
      data: { ...changes, ...(passwordHash ? { passwordHash } : {}), ...(signsOut ? { sessionVersion: { increment: 1 } } : {}) },
      select: PUBLIC_FIELDS,
    });
    const pick = (u: typeof before) => Object.fromEntries(Object.keys(changes).map((k) => [k, u[k as keyof typeof u]]));
    await recordAudit(actor, { action: "user.update", targetType: "user", targetId: userId, before: pick(before), after: { ...pick(after), ...(password ? { password: "(changed)" } : {}) } }, tx);
    return after;
  });
}
