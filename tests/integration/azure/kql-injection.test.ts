// Hostile values from the emulator's fleet (tag values with quotes, KQL and HTML fragments, unicode) are sent to
// the real Resource Graph endpoint through kql``: each selects exactly the servers carrying it, nothing more.
import { afterAll, describe, expect, inject, it } from "vitest";
import { kql } from "@/core/azure/kql";
import { queryResourceGraph } from "@/core/azure/resource-graph";
import { emulatorGraphRows } from "../../support/emulator-http";

const target = () => ({ url: inject("emulatorUrl"), certFile: inject("emulatorCertFile"), principalId: inject("emulatorPrincipalId") });
const SERVERS = "resources | where type =~ 'microsoft.dbforpostgresql/flexibleservers'";

async function idsWhere(query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of queryResourceGraph<{ id: string }>(query, { subscriptions: inject("emulatorSubscriptions") })) ids.push(...page.map((r) => r.id));
  return ids.sort();
}

describe("values in Resource Graph queries", () => {
  afterAll(async () => {
    const { resetAzureClients } = await import("@/core/azure/clients");
    resetAzureClients();
  });

  it("select exactly the servers with each tag value, hostile ones included", async () => {
    const servers = await emulatorGraphRows<{ id: string; tags: Record<string, string> | null }>(target(), `${SERVERS} | project id, tags`);
    const byTag = new Map<string, string[]>();
    for (const s of servers)
      for (const [key, value] of Object.entries(s.tags ?? {})) byTag.set(`${key}\u0001${value}`, [...(byTag.get(`${key}\u0001${value}`) ?? []), s.id]);
    const hostile = [...byTag.keys()].filter((k) => /['"\\<>|/]|[^\x20-\x7e]/.test(k.split("\u0001")[1]!));
    expect(hostile.length).toBeGreaterThan(0); // the generator must give this test something to chew on

    for (const entry of hostile) {
      const [key, value] = entry.split("\u0001") as [string, string];
      // Tag keys are names we choose from a fixed set in the product; the value is the hostile part.
      expect(/^[A-Za-z]+$/.test(key)).toBe(true);
      const found = await idsWhere(`${SERVERS} | where tostring(tags.${key}) == ${kql`${value}`} | project id | order by id asc`);
      expect(found, `tags.${key} == ${JSON.stringify(value)}`).toEqual([...byTag.get(entry)!].sort());
    }
  });

  it("cannot be widened into an always-true filter or a different pipeline", async () => {
    for (const attack of ["x' or 1==1 //", "' or '1'=='1", "x' | project id, tags //", "x\\' or true //", "'; resources | take 1000 //"]) {
      expect(await idsWhere(`${SERVERS} | where name == ${kql`${attack}`} | project id`), attack).toEqual([]);
    }
  });
});
