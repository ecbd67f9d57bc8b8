import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Server-only packages with native or dynamic requires stay out of the bundle.
  serverExternalPackages: ["pino", "pg", "@prisma/adapter-pg", "bullmq", "ioredis", "@azure/identity"],
  poweredByHeader: false,
  // Types are checked once, by `npm run typecheck` (a stage of npm test), over the whole project; the build
  // need not check them again, nor fail `npm start` over a type error in a test file.
  typescript: { ignoreBuildErrors: true },
  typedRoutes: false,
};

export default nextConfig;
