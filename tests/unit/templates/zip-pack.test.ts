import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { buildServerTemplate } from "@/core/templates/build-server-template";
import { packPathSegment, streamZipPack, zipPackFileName } from "@/core/templates/stream-zip-pack";
import type { ServerRoleGrant } from "@/core/templates/types";
import { SUBSCRIPTION, buildGrant, buildGrants } from "../../factories/templates";
import { collect, readZip } from "./read-zip";

const server = { backupRoleScope: "server" } as const;
const group = { backupRoleScope: "resourceGroup" } as const;

const grants = () => [
  buildGrant({ name: "pg-orders", resourceGroup: "rg-data" }),
  buildGrant({ name: "pg-billing", resourceGroup: "rg-data", missing: ["ltr"] }),
  buildGrant({ name: "pg-ledger", resourceGroup: "rg-o'neil (ü)", missing: [] }),
];

describe("a zip pack of per-server templates", () => {
  it("holds one template per server, a README and deploy scripts, in one folder", async () => {
    const input = grants();
    const entries = readZip(await collect(streamZipPack(input, server)));
    const folder = `${SUBSCRIPTION}/${packPathSegment("rg-o'neil (ü)")}`;
    expect(entries.map((e) => e.name)).toEqual([
      `flexguard-roles/${SUBSCRIPTION}/rg-data/pg-billing.json`,
      `flexguard-roles/${SUBSCRIPTION}/rg-data/pg-orders.json`,
      `flexguard-roles/${folder}/pg-ledger.json`,
      "flexguard-roles/README.md",
      "flexguard-roles/deploy-all.sh",
      "flexguard-roles/deploy-all.ps1",
    ]);
    expect(folder).toMatch(/^[\w-]+\/rg-o-neil-u-[0-9a-f]{8}$/);
    for (const grant of input) {
      const entry = entries.find((e) => e.name.endsWith(`/${grant.server.name}.json`))!;
      expect(entry.content.toString("utf8")).toBe(buildServerTemplate(grant, server).json);
      expect(entry.mode).toBe(0o644);
    }
    expect(entries.find((e) => e.name.endsWith("deploy-all.sh"))!.mode).toBe(0o755);
    expect(zipPackFileName()).toBe("flexguard-roles.zip");
  });

  it("holds the same files deflated when asked to compress", async () => {
    const stored = readZip(await collect(streamZipPack(grants(), server)));
    const deflatedZip = await collect(streamZipPack(grants(), { ...server, compress: true }));
    expect(readZip(deflatedZip).map((e) => [e.name, e.content.toString("utf8")])).toEqual(stored.map((e) => [e.name, e.content.toString("utf8")]));
    expect(deflatedZip.length).toBeLessThan(stored.reduce((size, e) => size + e.content.length, 0));
  });

  it("tells the owner how to deploy each template with the Azure CLI and PowerShell", async () => {
    const entries = readZip(await collect(streamZipPack(grants(), server)));
    const readme = entries.find((e) => e.name.endsWith("README.md"))!.content.toString("utf8");
    expect(readme).toContain(`az deployment group create --subscription '${SUBSCRIPTION}' --resource-group 'rg-data' --name 'flexguard-roles-pg-orders-`);
    expect(readme).toContain(`--template-file '${SUBSCRIPTION}/rg-data/pg-orders.json' --output none`);
    expect(readme).toContain(`az deployment group create --subscription '${SUBSCRIPTION}' --resource-group 'rg-o'\\''neil (ü)'`);
    expect(readme).toContain(`New-AzResourceGroupDeployment -ResourceGroupName 'rg-o''neil (ü)' -Name 'flexguard-roles-pg-ledger-`);
    expect(readme).toContain(`Set-AzContext -Subscription '${SUBSCRIPTION}'`);
    expect(readme).toMatch(/on each server \(one role assignment per server\)/);
    expect(readme).toMatch(/- `pg-ledger`: .*nothing to grant/);
    expect(readme).toMatch(/\| `6a1f0d1c-2b3e-4c5d-8e9f-0a1b2c3d4e5f` \| 3 \|/); // two backup roles and Reader in rg-data; pg-ledger lacks nothing
    const bash = entries.find((e) => e.name.endsWith("deploy-all.sh"))!.content.toString("utf8");
    expect(bash.split("\n").filter((l) => l.startsWith("az deployment group create"))).toHaveLength(3);
    const powershell = entries.find((e) => e.name.endsWith("deploy-all.ps1"))!.content.toString("utf8");
    expect(powershell.split("\n").filter((l) => l.startsWith("New-AzResourceGroupDeployment"))).toHaveLength(3);
  });

  it("explains the choice when the backup role is granted at resource-group scope", async () => {
    const entries = readZip(await collect(streamZipPack(grants(), group)));
    const readme = entries.find((e) => e.name.endsWith("README.md"))!.content.toString("utf8");
    expect(readme).toMatch(/on each server's \*\*resource group\*\* instead of on each server, because it was asked for to stay under Azure's limit of 4,000 role assignments per subscription/);
    expect(readme).toMatch(/including servers created later/);
    // The two servers of rg-data share one backup-role assignment, beside Reader there; pg-ledger lacks nothing.
    expect(readme).toMatch(/\| `6a1f0d1c-2b3e-4c5d-8e9f-0a1b2c3d4e5f` \| 2 \|/);
  });

  it("is byte-identical for the same servers, in whatever order they come", async () => {
    const input = grants();
    const first = await collect(streamZipPack(input, server));
    const again = await collect(streamZipPack([...input].reverse(), server));
    expect(again.equals(first)).toBe(true);
    // No timestamp: every entry carries the same fixed DOS date.
    expect(new Set(readZip(first).map((e) => e.dosDateTime)).size).toBe(1);
  });

  it("takes a stream of servers in its order and writes the README last", async () => {
    async function* fromCursor(): AsyncGenerator<ServerRoleGrant> {
      for (const grant of grants()) yield grant;
    }
    const names = readZip(await collect(streamZipPack(fromCursor(), server))).map((e) => e.name.split("/").pop());
    expect(names).toEqual(["pg-orders.json", "pg-billing.json", "pg-ledger.json", "README.md", "deploy-all.sh", "deploy-all.ps1"]);
  });

  it("keeps servers whose names differ only in what a file name cannot hold apart", async () => {
    const input = [buildGrant({ name: "pg-é", resourceGroup: "rg-é" }), buildGrant({ name: "pg-e", resourceGroup: "rg-e" }), buildGrant({ name: "pg-è", resourceGroup: "rg-e" })];
    const names = readZip(await collect(streamZipPack(input, server))).map((e) => e.name).filter((n) => n.endsWith(".json"));
    expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(3);
    for (const name of names) expect(name).toMatch(/^[A-Za-z0-9._/-]+$/);
  });

  it("fails the stream on a server listed twice or an unusable grant", async () => {
    const grant = buildGrant();
    await expect(collect(streamZipPack([grant, grant], server))).rejects.toThrow(/listed twice/);
    const broken = { ...buildGrant(), vault: { armId: grant.vault.armId, principalId: "" } };
    await expect(collect(streamZipPack([buildGrant(), broken], server))).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
  });

  // Building 2,000 templates takes seconds on a busy machine: a generous timeout, asserting no time.
  it("produces only what a paused reader's buffers hold, and the rest once it reads on", { timeout: 60_000 }, async () => {
    let pulled = 0;
    function* servers(): Generator<ServerRoleGrant> {
      for (const grant of buildGrants(2000, 20)) {
        pulled++;
        yield grant;
      }
    }
    const stream = streamZipPack(servers(), server);
    await once(stream, "readable");
    const first = stream.read() as Buffer | null;
    expect(first).not.toBeNull();
    // Nobody reads on. Wait until production stops (pulled unchanged over several samples): a producer that ignored
    // the reader would only stop at 2,000 servers.
    let last = -1;
    let steady = 0;
    for (const deadline = Date.now() + 10_000; steady < 4 && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      steady = pulled === last ? steady + 1 : 0;
      last = pulled;
    }
    expect(steady).toBe(4);
    expect(pulled).toBeLessThan(200);
    // What waits for the reader is the stream's buffer (64 KiB) and about one template more, not the pack.
    expect(stream.readableLength).toBeLessThan(128 * 1024);

    const entries = readZip(Buffer.concat([first!, await collect(stream)]));
    expect(pulled).toBe(2000);
    expect(entries).toHaveLength(2003); // every template, the README and the two scripts
  });

  it("starts arriving before the servers are all read, and stops producing when the reader goes away", async () => {
    let pulled = 0;
    let closed = false;
    function* servers(): Generator<ServerRoleGrant> {
      try {
        for (const grant of buildGrants(5000, 20)) {
          pulled++;
          yield grant;
        }
      } finally {
        closed = true;
      }
    }
    const stream = streamZipPack(servers(), server);
    await once(stream, "readable");
    expect(stream.read()).not.toBeNull();
    expect(pulled).toBeLessThan(5000);
    stream.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stoppedAt = pulled;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(pulled).toBe(stoppedAt);
    expect(stoppedAt).toBeLessThan(5000);
    // The source (a database cursor, in production) is closed, not left open.
    expect(closed).toBe(true);
  });
});
