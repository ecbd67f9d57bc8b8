// Demo data, idempotent: safe to run on every start. The fleet itself comes from Azure (or the emulator) through
// a scan, so a fresh installation gets its first scan queued here. With DEMO_USERS (on by default with the
// emulator) there is one account per role, plus an operator limited to one subscription; their passwords are
// generated once and kept in .flexguard/demo-users-<database>.json (readable by this machine's user only) for npm start to print.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { hashPassword } from "@/core/auth/passwords";
import { env } from "@/core/config/env";
import { db, disconnectDb } from "@/core/db/client";
import type { Role } from "@/core/db/generated/enums";
import { requestScan } from "@/core/inventory/request-scan";
import { closeProducers } from "@/core/queues";

/** Per database, so that test runs on their own databases never touch the demo passwords of the main one. */
export const demoUsersFile = () => path.join(".flexguard", `demo-users-${new URL(env().DATABASE_URL).pathname.slice(1).replace(/[^\w-]/g, "_")}.json`);

export interface DemoUser {
  username: string;
  password: string;
  role: Role;
  subscriptions: string[];
}

const DEMO: { username: string; displayName: string; role: Role; limited?: boolean }[] = [
  { username: "viewer", displayName: "Demo Viewer", role: "VIEWER" },
  { username: "operator", displayName: "Demo Operator", role: "OPERATOR" },
  { username: "approver", displayName: "Demo Approver", role: "APPROVER" },
  { username: "admin", displayName: "Demo Admin", role: "ADMIN" },
  { username: "scoped-operator", displayName: "Demo Operator (one subscription)", role: "OPERATOR", limited: true },
];

function loadDemoPasswords(): Record<string, string> {
  return existsSync(demoUsersFile()) ? (JSON.parse(readFileSync(demoUsersFile(), "utf8")) as { users: DemoUser[] }).users.reduce((m, u) => ({ ...m, [u.username]: u.password }), {}) : {};
}

async function seedDemoUsers(): Promise<DemoUser[]> {
  const known = loadDemoPasswords();
  const firstSubscription = (await db().subscription.findFirst({ orderBy: { id: "asc" } }))?.id;
  const users: DemoUser[] = [];
  for (const demo of DEMO) {
    const existing = await db().user.findUnique({ where: { username: demo.username } });
    let password = known[demo.username];
    if (!existing || !password) {
      password = `${demo.username}-${randomBytes(9).toString("base64url")}`;
      const subscriptions = demo.limited && firstSubscription ? [firstSubscription] : [];
      const data = { displayName: demo.displayName, role: demo.role, subscriptions, passwordHash: await hashPassword(password) };
      await db().user.upsert({ where: { username: demo.username }, create: { username: demo.username, ...data }, update: { ...data, sessionVersion: { increment: 1 } } });
    } else if (demo.limited && firstSubscription && existing.subscriptions.length === 0) {
      // The scoped demo user is limited to the first subscription once one is known (after the first scan).
      await db().user.update({ where: { id: existing.id }, data: { subscriptions: [firstSubscription] } });
    }
    const row = await db().user.findUniqueOrThrow({ where: { username: demo.username } });
    users.push({ username: demo.username, password, role: demo.role, subscriptions: row.subscriptions });
  }
  mkdirSync(path.dirname(demoUsersFile()), { recursive: true });
  writeFileSync(demoUsersFile(), JSON.stringify({ users }, null, 2), { mode: 0o600 });
  chmodSync(demoUsersFile(), 0o600);
  return users;
}

/** Seeds what a fresh installation needs; returns what it did and the demo users, for the start script to print. */
export async function seed(): Promise<{ done: string[]; demoUsers: DemoUser[] }> {
  const done: string[] = [];
  const scans = await db().scan.count();
  if (scans === 0) {
    const { scanId } = await requestScan({ trigger: "seed" });
    done.push(`queued the first inventory scan (${scanId})`);
  }
  const demoUsers = env().DEMO_USERS ? await seedDemoUsers() : [];
  return { done, demoUsers };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  try {
    const { done, demoUsers } = await seed();
    console.log(done.length ? `Seeded: ${done.join("; ")}` : "Seed: nothing to do");
    for (const u of demoUsers) console.log(`  demo ${u.role.toLowerCase().padEnd(8)} ${u.username} / ${u.password}`);
  } finally {
    await Promise.allSettled([closeProducers(), disconnectDb()]);
  }
}
