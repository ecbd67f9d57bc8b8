// npm run db:diff -- <name>: writes prisma/migrations/<timestamp>_<name>/migration.sql, the SQL that takes the
// database from the committed schema (git HEAD) to the working-tree schema. `prisma migrate dev` cannot run
// offline with the JS schema engine, so migrations are made with `prisma migrate diff` (shared TOOLCHAIN.md).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error("usage: npm run db:diff -- <name>   (name: lower-case letters, digits and _ , e.g. add_vaults)");
  process.exit(2);
}

const migrationsDir = path.join("prisma", "migrations");
const hasMigrations = existsSync(migrationsDir) && readdirSync(migrationsDir).some((d) => /^\d{14}_/.test(d));
const tmpDir = path.join(".flexguard", "tmp");
mkdirSync(tmpDir, { recursive: true });
const fromArgs: string[] = [];
if (hasMigrations) {
  const committed = path.join(tmpDir, "schema.committed.prisma");
  writeFileSync(committed, execFileSync("git", ["show", "HEAD:prisma/schema.prisma"]));
  fromArgs.push("--from-schema-datamodel", committed);
} else {
  fromArgs.push("--from-empty");
}

const sql = execFileSync(
  path.join("node_modules", ".bin", "prisma"),
  ["migrate", "diff", ...fromArgs, "--to-schema-datamodel", path.join("prisma", "schema.prisma"), "--script"],
  {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    // The CLI opens a connection even for a schema-to-schema diff; the maintenance database always exists.
    env: { ...process.env, DATABASE_URL: maintenanceUrl(process.env.DATABASE_URL) },
  },
);
rmSync(tmpDir, { recursive: true, force: true });
if (!/\b(CREATE|ALTER|DROP)\b/.test(sql)) {
  console.log("No schema change against HEAD: no migration written.");
  process.exit(0);
}
function maintenanceUrl(url = "postgresql://postgres@127.0.0.1:5432/flexguard"): string {
  const u = new URL(url);
  u.pathname = "/postgres";
  return u.toString();
}

const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
const dir = path.join(migrationsDir, `${stamp}_${name}`);
mkdirSync(dir, { recursive: true });
writeFileSync(path.join(dir, "migration.sql"), sql);
if (!existsSync(path.join(migrationsDir, "migration_lock.toml")))
  writeFileSync(path.join(migrationsDir, "migration_lock.toml"), 'provider = "postgresql"\n');
console.log(`Wrote ${path.join(dir, "migration.sql")}`);
