import { describe, expect, it } from "vitest";
import { buildResourceGroupTemplate } from "@/core/templates/build-resource-group-template";
import { buildServerTemplate } from "@/core/templates/build-server-template";
import { buildSubscriptionTemplate } from "@/core/templates/build-subscription-template";
import { buildGrant, otherVault } from "../../factories/templates";

const options = { backupRoleScope: "server" } as const;
const vault = otherVault();
const input = () => [
  buildGrant({ name: "pg-a", resourceGroup: "rg-1" }),
  buildGrant({ name: "pg-b", resourceGroup: "rg-1", vault }),
  buildGrant({ name: "pg-c", resourceGroup: "rg-2", missing: ["reader"] }),
  buildGrant({ name: "pg-d", resourceGroup: "rg-1", missing: [] }),
];

describe("templates are byte-identical for identical inputs", () => {
  it("for one server, built twice", () => {
    const grant = buildGrant({ name: "pg-same" });
    expect(buildServerTemplate(structuredClone(grant), options).json).toBe(buildServerTemplate(grant, options).json);
  });

  it("for packs, whatever the order the servers come in", () => {
    const grants = input();
    const shuffled = [grants[2]!, grants[0]!, grants[3]!, grants[1]!];
    const inGroup = (list: typeof grants) => list.filter((g) => g.server.resourceGroup === "rg-1");
    expect(buildResourceGroupTemplate(inGroup(shuffled), options).json).toBe(buildResourceGroupTemplate(inGroup(grants), options).json);
    expect(buildSubscriptionTemplate(shuffled, options).json).toBe(buildSubscriptionTemplate(grants, options).json);
  });

  it("with no time, host or random value in them", () => {
    const json = buildSubscriptionTemplate(input(), options).json;
    expect(json).not.toMatch(new RegExp(`${new Date().getUTCFullYear()}-\\d\\d-\\d\\dT`));
    expect(json.endsWith("}\n")).toBe(true);
    // Key order is the builders' own: $schema first, as every ARM template reads.
    expect(Object.keys(JSON.parse(json))).toEqual(["$schema", "contentVersion", "metadata", "parameters", "variables", "resources", "outputs"]);
  });
});
