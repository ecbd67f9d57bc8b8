// The web app's production build (.next): whether it is older than the sources it is built from, and building it.
// Used by npm start and by the benchmarks that run the real web app.
import { spawnSync, type StdioOptions } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

function newestMtime(paths: string[]): number {
  let newest = 0;
  const visit = (p: string) => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const entry of readdirSync(p)) if (entry !== "generated" && entry !== "node_modules") visit(path.join(p, entry));
    } else newest = Math.max(newest, st.mtimeMs);
  };
  paths.forEach(visit);
  return newest;
}

/** The production build is reused until a source it depends on changes. */
export function webBuildIsStale(): boolean {
  const buildId = path.join(".next", "BUILD_ID");
  if (!existsSync(buildId)) return true;
  return newestMtime(["app", "core", "proxy.ts", "instrumentation.ts", "next.config.ts", "package-lock.json", "tsconfig.json"]) > statSync(buildId).mtimeMs;
}

/** Runs `next build`; true when it succeeded. */
export function buildWebApp(stdio: StdioOptions = "inherit"): boolean {
  const build = spawnSync(path.join("node_modules", ".bin", "next"), ["build"], { stdio, env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  return build.status === 0;
}
