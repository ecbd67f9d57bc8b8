import { describe, expect, it } from "vitest";
import { compileQuery } from "@/emulator/kql/compile";
import { KqlError, tokenize } from "@/emulator/kql/lexer";

const base = { kind: "", tenantId: "t", managedBy: "", plan: null, identity: null, zones: null, extendedLocation: null };
const rows = [
  { ...base, id: "/subscriptions/s1/resourceGroups/rg-b/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-b", name: "pg-b", type: "microsoft.dbforpostgresql/flexibleservers", location: "westeurope", resourceGroup: "rg-b", subscriptionId: "s1", sku: { name: "Standard_B1ms", tier: "Burstable" }, properties: { version: "16", state: "Ready" }, tags: { owner: "x' or 1==1 //", environment: "prod" } },
  { ...base, id: "/subscriptions/s1/resourceGroups/rg-a/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-a", name: "pg-a", type: "microsoft.dbforpostgresql/flexibleservers", location: "eastus", resourceGroup: "rg-a", subscriptionId: "s1", sku: { name: "Standard_D2ds_v5", tier: "GeneralPurpose" }, properties: { version: "14", state: "Stopped" }, tags: { environment: "dev" } },
  { ...base, id: "/subscriptions/s1/resourceGroups/rg-v/providers/Microsoft.DataProtection/backupVaults/bv1", name: "bv1", type: "microsoft.dataprotection/backupvaults", location: "westeurope", resourceGroup: "rg-v", subscriptionId: "s1", sku: null, properties: {}, tags: null, identity: { principalId: "p-1", type: "SystemAssigned" } },
];

const run = (query: string) => compileQuery(query).run(rows);

describe("KQL string literals", () => {
  it("decodes every quoting form to the same value", () => {
    const forms = [`'it\\'s'`, `"it's"`, `@'it''s'`, `@"it's"`, `h'it\\'s'`, "```it's```", `'it' "'s"`];
    for (const form of forms) {
      const token = tokenize(form)[0]!;
      expect(token.type, form).toBe("string");
      expect(token.value, form).toBe("it's");
    }
  });

  it("decodes escapes in quoted strings but not in verbatim ones", () => {
    expect(tokenize(`'a\\nb\\t\\\\c\\u0041'`)[0]!.value).toBe("a\nb\t\\cA");
    expect(tokenize(`@'C:\\temp\\n'`)[0]!.value).toBe("C:\\temp\\n");
  });

  it("keeps a hostile value inside its literal: it matches only the row holding it", () => {
    const result = run(`resources | where tags.owner == 'x\\' or 1==1 //' | project id`);
    expect(result).toEqual([{ id: rows[0]!.id }]);
    expect(run(`resources | where tostring(tags.owner) == @'x'' or 1==1 //' | project name`)).toEqual([{ name: "pg-b" }]);
  });

  it("rejects an unterminated literal and an unknown escape with a position", () => {
    expect(() => compileQuery(`resources | where name == 'abc`)).toThrow(/Unterminated string literal/);
    expect(() => compileQuery(`resources | where name == 'a\\qb'`)).toThrow(KqlError);
  });
});

describe("KQL operators and functions", () => {
  it("answers the product's server query: filter, project with conversions, order by id ascending", () => {
    const result = run(`resources
| where type =~ 'Microsoft.DBforPostgreSQL/flexibleServers'
| project id, name, location, resourceGroup, subscriptionId, tags, version = tostring(properties.version), state = tostring(properties.state), skuName = tostring(sku.name), skuTier = tostring(sku.tier)
| order by id asc`);
    expect(result.map((r) => r.name)).toEqual(["pg-a", "pg-b"]);
    expect(Object.keys(result[0]!)).toEqual(["id", "name", "location", "resourceGroup", "subscriptionId", "tags", "version", "state", "skuName", "skuTier"]);
    expect(result[0]).toMatchObject({ version: "14", state: "Stopped", skuName: "Standard_D2ds_v5", skuTier: "GeneralPurpose" });
  });

  it("sorts descending when no direction is given, as Kusto does", () => {
    expect(run(`resources | order by name | project name`).map((r) => r.name)).toEqual(["pg-b", "pg-a", "bv1"]);
  });

  it("distinguishes == (case-sensitive) from =~, and supports in, in~, !in", () => {
    expect(run(`resources | where location == 'WestEurope' | project id`)).toHaveLength(0);
    expect(run(`resources | where location =~ 'WestEurope' | project id`)).toHaveLength(2);
    expect(run(`resources | where name in ('pg-a', 'PG-B') | project name`)).toEqual([{ name: "pg-a" }]);
    expect(run(`resources | where name in~ ('pg-a', 'PG-B') | order by name asc | project name`)).toEqual([{ name: "pg-a" }, { name: "pg-b" }]);
    expect(run(`resources | where name !in ('pg-a') | project name`)).toHaveLength(2);
    expect(run(`resources | where location !~ 'westeurope' | project name`)).toEqual([{ name: "pg-a" }]);
  });

  it("supports has (whole terms), contains, startswith and their negations", () => {
    expect(run(`resources | where id has 'flexibleServers' | project name`)).toHaveLength(2);
    expect(run(`resources | where id has 'flexible' | project name`)).toHaveLength(0);
    expect(run(`resources | where id contains 'FLEXIBLE' | project name`)).toHaveLength(2);
    expect(run(`resources | where name startswith 'PG-' and not(name endswith 'a') | project name`)).toEqual([{ name: "pg-b" }]);
    expect(run(`resources | where name !contains 'pg' | project name`)).toEqual([{ name: "bv1" }]);
  });

  it("evaluates and/or precedence, isempty/isnotempty, extend, take", () => {
    expect(run(`resources | where name == 'bv1' or name == 'pg-a' and location == 'nowhere' | project name`)).toEqual([{ name: "bv1" }]);
    expect(run(`resources | where isnotempty(tostring(identity.principalId)) | project name`)).toEqual([{ name: "bv1" }]);
    expect(run(`resources | where isempty(tags.owner) | project name`).map((r) => r.name).sort()).toEqual(["bv1", "pg-a"]);
    const extended = run(`resources | extend upper = toupper(name), lower = tolower('ABC') | where upper == 'PG-A' | project upper, lower`);
    expect(extended).toEqual([{ upper: "PG-A", lower: "abc" }]);
    expect(run(`resources | take 2`)).toHaveLength(2);
    expect(run(`resources | limit 1 | project id`)).toHaveLength(1);
  });

  it("extracts and splits as the backup-instance and role-assignment queries need", () => {
    const vault = run(`resources | where type =~ 'microsoft.dataprotection/backupvaults' | project rg = tostring(split(split(id, '/resourceGroups/')[1], '/')[0]), guid = extract('/([a-z0-9]+)$', 1, id), missing = extract('(zzz)', 1, id)`);
    expect(vault).toEqual([{ rg: "rg-v", guid: "bv1", missing: "" }]);
  });

  it("narrows the scan to the type partitions named in leading where clauses", () => {
    expect(compileQuery(`resources | where type =~ 'A/B' | where name == 'x'`).typeHint).toEqual(["a/b"]);
    expect(compileQuery(`resources | where type in~ ('A/B', 'c/d') and location == 'x'`).typeHint).toEqual(["a/b", "c/d"]);
    expect(compileQuery(`resources | where name == 'x' or type =~ 'a/b'`).typeHint).toBeNull();
  });
});

describe("KQL errors name what the emulator did not understand", () => {
  const errorOf = (query: string): KqlError => {
    try {
      compileQuery(query);
    } catch (error) {
      if (error instanceof KqlError) return error;
      throw error;
    }
    throw new Error(`no error for ${query}`);
  };

  it("an unknown table", () => expect(errorOf("securityresources | take 1").message).toMatch(/Table 'securityresources'/));
  it("an unsupported operator", () => expect(errorOf("resources | summarize count() by location").message).toMatch(/'summarize'/));
  it("an unknown function", () => expect(errorOf("resources | project x = base64_encode_tostring(name)").message).toMatch(/base64_encode_tostring/));
  it("an unknown column, including one projected away", () => {
    expect(errorOf("resources | where nmae == 'x'").message).toMatch(/'nmae'/);
    expect(errorOf("resources | project id | where name == 'x'").message).toMatch(/'name'/);
  });
  it("trailing garbage, with its position", () => {
    const error = errorOf("resources | take 1 garbage");
    expect(error.message).toMatch(/garbage/);
    expect(error.position).toBe(19);
  });
});
