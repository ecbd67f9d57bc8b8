import { describe, expect, it } from "vitest";
import { planDeployment } from "@/emulator/template/deploy";
import { buildResourceGroupTemplate } from "@/core/templates/build-resource-group-template";
import { buildServerTemplate } from "@/core/templates/build-server-template";
import { buildSubscriptionTemplate } from "@/core/templates/build-subscription-template";
import { roleAssignmentName } from "@/core/templates/role-assignment-name";
import { bashQuote, codeBlock, codeSpan, powershellQuote } from "@/core/templates/pack-instructions";
import { ROLE_GUID } from "../../factories/fleet";
import { HOSTILE_NAMES, SUBSCRIPTION, VAULT_PRINCIPAL, buildGrant } from "../../factories/templates";
import { templateSchemaErrors } from "./arm-template-schema";

const server = { backupRoleScope: "server" } as const;

function plan(template: unknown, resourceGroup: string) {
  return planDeployment(template, {}, {
    subscriptionId: SUBSCRIPTION,
    tenantId: "00000000-0000-4000-8000-0000000000e1",
    subscriptionDisplayName: "prod",
    resourceGroup: { name: resourceGroup, location: "westeurope", tags: {} },
    deploymentName: "test",
  });
}

describe("templates for servers and groups with hostile names", () => {
  it.each(HOSTILE_NAMES)("grant exactly the server %j, whatever its name does to JSON or ARM expressions", (name) => {
    const grant = buildGrant({ name, resourceGroup: "rg-data" });
    const built = buildServerTemplate(grant, server);
    expect(templateSchemaErrors(built.template)).toEqual([]);
    expect(JSON.parse(built.json)).toEqual(built.template);
    // Evaluated as ARM would: the scope is this server and nothing else, the name the deterministic one.
    const [backup] = plan(built.template, "rg-data");
    expect(backup!.scope).toBe(grant.server.armId);
    expect(backup!.name).toBe(roleAssignmentName({ scope: grant.server.armId, principalId: VAULT_PRINCIPAL, subscriptionId: SUBSCRIPTION, roleDefinitionGuid: ROLE_GUID.ltr }));
    expect(built.template.metadata.flexguard).toMatchObject({ server: { name } });
    expect(built.fileName).toMatch(/^[A-Za-z0-9._-]+\.json$/);
  });

  it.each(HOSTILE_NAMES.filter((name) => name !== ".."))("deploy the servers of resource group %j as packs", (rg) => {
    const grants = [buildGrant({ name: "pg-1", resourceGroup: rg }), buildGrant({ name: "[pg]'2", resourceGroup: rg })];
    const pack = buildResourceGroupTemplate(grants, server);
    expect(templateSchemaErrors(pack.template)).toEqual([]);
    const rgId = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${rg}`;
    expect(plan(pack.template, rg).map((a) => a.scope)).toEqual([rgId, grants[1]!.server.armId, grants[0]!.server.armId]); // in server-id order: "[" sorts first
    const subscriptionPack = buildSubscriptionTemplate(grants, server);
    expect(templateSchemaErrors(subscriptionPack.template)).toEqual([]);
    // ARM evaluates the nested deployment's resourceGroup: a name that looks like an expression is escaped.
    const target = subscriptionPack.template.resources[0]!.resourceGroup as string;
    expect(target.startsWith("[") && target.endsWith("]") ? target.slice(1) : target).toBe(rg);
  });

  it("quote names for bash and PowerShell so that no character ends the string", () => {
    expect(bashQuote("it's $(rm -rf ~) `x`")).toBe(`'it'\\''s $(rm -rf ~) \`x\`'`);
    expect(powershellQuote("it's ‘a’ $env:x")).toBe("'it''s ‘‘a’’ $env:x'");
  });

  it("keep names inside Markdown code spans and blocks", () => {
    expect(codeSpan("a`b")).toBe("``a`b``");
    expect(codeSpan("`x`")).toBe("`` `x` ``");
    expect(codeSpan("line\nbreak<script>")).toBe("`line\uFFFDbreak<script>`");
    expect(codeBlock("bash", ["echo '```'"])).toBe("````bash\necho '```'\n````\n");
  });
});
