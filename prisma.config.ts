import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaPg } from "@prisma/adapter-pg";

// The CLI needs DATABASE_URL or it tries to download a query engine (see shared TOOLCHAIN.md).
process.env.DATABASE_URL ||= "postgresql://postgres@127.0.0.1:5432/flexguard";
const connectionString = process.env.DATABASE_URL;

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations"), seed: "tsx prisma/seed.ts" },
  adapter: async () => new PrismaPg({ connectionString }),
});
