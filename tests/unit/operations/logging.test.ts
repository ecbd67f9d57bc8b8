// Log lines are JSON, carry the ids of the job they belong to, and never the secrets callers hand the logger.
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";

process.env.LOG_LEVEL = "debug";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  return { lines, stream };
}

describe("structured logs", () => {
  it("redacts passwords, secrets, tokens, authorization headers and connection strings wherever they sit", async () => {
    const { createLogger } = await import("@/core/log");
    const { lines, stream } = capture();
    const logger = createLogger(stream);
    logger.info(
      {
        password: "hunter2-top",
        secret: "whsec_topsecret",
        user: { password: "p4ss-nested" },
        req: { headers: { authorization: "Bearer fgt_abcdef", cookie: "session=xyz" } },
        config: { DATABASE_URL: "postgresql://u:pw-db@h/db", AUTH_SECRET: "auth-secret-value", ENTRA_CLIENT_SECRET: "entra-secret" },
        webhook: { secret: "whsec_nested" },
        token: "fgt_top",
        keep: "visible",
      },
      "something happened",
    );
    const text = JSON.stringify(lines);
    for (const secret of ["hunter2-top", "whsec_topsecret", "p4ss-nested", "fgt_abcdef", "session=xyz", "pw-db", "auth-secret-value", "entra-secret", "whsec_nested", "fgt_top"]) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({ msg: "something happened", keep: "visible", password: "[redacted]", level: 30 });
  });

  it("takes its level from LOG_LEVEL", async () => {
    const { createLogger } = await import("@/core/log");
    const { lines, stream } = capture();
    const logger = createLogger(stream);
    logger.trace("hidden");
    logger.debug("shown");
    expect(lines.map((l) => l.msg)).toEqual(["shown"]);
  });

  it("binds the ids of the work in progress to every line written inside it", async () => {
    const { log, withLogContext } = await import("@/core/log");
    const seen: unknown[] = [];
    await withLogContext({ scanId: "s-1" }, async () => {
      await withLogContext({ partId: "p-2" }, async () => {
        await new Promise((r) => setTimeout(r, 5));
        seen.push(log().bindings());
      });
      seen.push(log().bindings());
    });
    seen.push(log().bindings());
    expect(seen[0]).toMatchObject({ scanId: "s-1", partId: "p-2" });
    expect(seen[1]).toMatchObject({ scanId: "s-1" });
    expect(seen[1]).not.toHaveProperty("partId");
    expect(seen[2]).not.toHaveProperty("scanId");
  });
});

describe("Azure API names for metrics", () => {
  it("keeps provider and resource types, drops ids and queries", async () => {
    const { azureApiOf } = await import("@/core/azure/call-log");
    expect(azureApiOf("/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01")).toBe("microsoft.resourcegraph/resources");
    expect(azureApiOf("/subscriptions/s/resourceGroups/rg/providers/Microsoft.DataProtection/backupVaults/v1/backupInstances/bi-1/validateForBackup")).toBe("microsoft.dataprotection/backupvaults/backupinstances/validateforbackup");
    expect(azureApiOf("/subscriptions/s/resourceGroups/rg/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg/providers/Microsoft.Authorization/roleAssignments/0000")).toBe("microsoft.authorization/roleassignments");
    expect(azureApiOf("/subscriptions/s/resourcegroups/rg?api-version=1")).toBe("resourcegroups");
  });
});
