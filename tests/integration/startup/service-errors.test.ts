// What a newcomer sees when a service is missing or a setting is wrong: one paragraph saying what is wrong
// and how to fix it, not a stack trace.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

function run(command: string[], env: Record<string, string>) {
  const result = spawnSync(process.execPath, ["--import", "tsx", ...command], {
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, ...env },
  });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

const noStackTrace = (output: string) => expect(output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

describe("startup errors", () => {
  it("npm start names an unreachable Postgres and says how to start it", () => {
    const { code, output } = run(["scripts/start.ts"], { DATABASE_URL: "postgresql://postgres@127.0.0.1:5499/flexguard" });
    expect(code).toBe(1);
    expect(output).toMatch(/PostgreSQL is not reachable at postgresql:\/\/postgres@127\.0\.0\.1:5499\/flexguard/);
    expect(output).toMatch(/pg_ctlcluster .* main start/);
    noStackTrace(output);
  });

  it("npm start names a stopped Redis and says how to start it", () => {
    const { code, output } = run(["scripts/start.ts"], { REDIS_URL: "redis://127.0.0.1:6399" });
    expect(code).toBe(1);
    expect(output).toMatch(/Redis is not reachable at redis:\/\/127\.0\.0\.1:6399/);
    expect(output).toMatch(/redis-server --daemonize yes/);
    noStackTrace(output);
  });

  it("npm start refuses a malformed setting, naming the variable and the expected form", () => {
    const { code, output } = run(["scripts/start.ts"], { DATABASE_URL: "localhost:5432", WEB_PORT: "http" });
    expect(code).toBe(1);
    expect(output).toMatch(/DATABASE_URL: must look like postgresql:\/\/user@host:5432\/database/);
    expect(output).toMatch(/WEB_PORT: /);
    noStackTrace(output);
  });

  it("flexguard scan says Redis is down instead of hanging", () => {
    const { code, output } = run(["cli/main.ts", "scan", "--wait"], { REDIS_URL: "redis://127.0.0.1:6399" });
    expect(code).toBe(1);
    expect(output).toMatch(/Redis is not reachable/);
    noStackTrace(output);
  });

  it("the worker refuses to start against a database that does not exist, naming it", () => {
    const { code, output } = run(["worker/main.ts"], { DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/flexguard_no_such_db" });
    expect(code).toBe(1);
    expect(output).toMatch(/the database does not exist/);
    noStackTrace(output);
  });
});
