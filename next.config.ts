import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Server-only packages with native or dynamic requires stay out of the bundle.
  serverExternalPackages: ["pino", "pg", "@prisma/adapter-pg", "bullmq", "ioredis", "@azure/identity"],
  poweredByHeader: false,
  typedRoutes: false,
};

export default nextConfig;
