// npm run bench [-- <name>...]: runs tests/bench/<name>.bench.ts (all of them without a name), each in its
// own process so that one benchmark's memory and timers never colour another's, and writes
// bench-results/summary.json from their BENCH lines.
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";

const dir = path.join("tests", "bench");
const all = readdirSync(dir).filter((f) => f.endsWith(".bench.ts")).map((f) => f.replace(/\.bench\.ts$/, "")).sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length) {
  console.error(`Unknown benchmark(s): ${unknown.join(", ")}. Known: ${all.join(", ") || "(none)"}`);
  process.exit(2);
}

const results: Record<string, unknown>[] = [];
let failed = false;
for (const name of wanted.length ? wanted : all) {
  const lines: string[] = [];
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--expose-gc", path.join(dir, `${name}.bench.ts`)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      process.stdout.write(chunk);
      lines.push(...chunk.split("\n"));
    });
    child.on("close", (c) => resolve(c ?? 1));
  });
  const benchLines = lines.filter((l) => l.startsWith("BENCH "));
  if (code !== 0 || benchLines.length === 0) failed = true;
  for (const line of benchLines) {
    const [, bench, ...pairs] = line.split(" ");
    const fields = Object.fromEntries(pairs.map((p) => p.split("=") as [string, string]));
    results.push({ bench, ...fields, exitCode: code });
  }
}
mkdirSync("bench-results", { recursive: true });
writeFileSync(path.join("bench-results", "summary.json"), JSON.stringify({ at: new Date().toISOString(), results }, null, 2));
console.log(`wrote bench-results/summary.json (${results.length} result${results.length === 1 ? "" : "s"})`);
process.exit(failed ? 1 : 0);
