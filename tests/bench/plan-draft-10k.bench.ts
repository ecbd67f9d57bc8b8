// Benchmark plan-draft-10k: drafting a remediation plan for 10,000 non-compliant servers (20 subscriptions, a vault
// and policy in each, every server unprotected and missing the LTR role) from verdicts inserted with
// generate_series into a fresh database. Measured: the whole draft (read in pages, items built, hashed, written
// with createMany, audited), median of 3, bound 15 s; beside it the query count per page is fixed (two).
import { randomUUID } from "node:crypto";
import pg from "pg";
import type { Actor } from "@/core/auth/actor";
import { dropDatabase } from "../support/database";
import { freshBenchDatabase } from "./bench-database";
import { runBench } from "./harness";

const SERVERS = 10_000;
const SUBSCRIPTIONS = 20;
const { dbName, databaseUrl } = await freshBenchDatabase("plans");

const LTR = "c088a766-074b-43ba-90d4-1fb21feae531";
const ruleId = randomUUID();
const ruleDefinition = {
  name: "bench-enforce",
  description: "",
  enabled: true,
  mode: "enforce",
  order: 1,
  scope: {},
  exclusions: [],
  requirement: { vault: { kind: "matchInRegion", nameGlob: "bv-*" }, policy: { kind: "constraints", minRetention: "P3M", maxBackupInterval: "P1W" }, roleAssignment: "assign" },
};

const client = new pg.Client({ connectionString: databaseUrl });
await client.connect();
try {
  const started = performance.now();
  const sub = (i: string) => `'00000000-0000-4000-8000-' || lpad(${i}::text, 12, '0')`;
  await client.query(`
    INSERT INTO subscription (id) SELECT ${sub("i")} FROM generate_series(1, ${SUBSCRIPTIONS}) i;
    INSERT INTO vault (id, arm_id_key, arm_id, name, subscription_id, resource_group, location, principal_id, storage_type)
      SELECT gen_random_uuid(), lower(v.arm_id), v.arm_id, 'bv-' || i, ${sub("i")}, 'rg-backup', 'westeurope', '11111111-0000-4000-8000-' || lpad(i::text, 12, '0'), 'GeoRedundant'
      FROM generate_series(1, ${SUBSCRIPTIONS}) i
      CROSS JOIN LATERAL (SELECT '/subscriptions/' || ${sub("i")} || '/resourceGroups/rg-backup/providers/Microsoft.DataProtection/backupVaults/bv-' || i AS arm_id) v;
    INSERT INTO backup_policy (id, arm_id_key, arm_id, vault_arm_id_key, subscription_id, name, datasource_types, backup_interval, default_retention)
      SELECT gen_random_uuid(), lower(arm_id || '/backupPolicies/weekly'), arm_id || '/backupPolicies/weekly', arm_id_key, subscription_id, 'weekly', ARRAY['Microsoft.DBforPostgreSQL/flexibleServers'], 'P1W', 'P3M' FROM vault;
    INSERT INTO protection_rule (id, name, "order", mode, definition, updated_by) VALUES ('${ruleId}', 'bench-enforce', 1, 'enforce', '${JSON.stringify(ruleDefinition)}'::jsonb, 'bench');
    INSERT INTO server (id, arm_id_key, arm_id, name, subscription_id, resource_group, location, version, state)
      SELECT gen_random_uuid(), lower(a.arm_id), a.arm_id, 'pg-' || i, ${sub(`(1 + i % ${SUBSCRIPTIONS})`)}, 'rg-data-' || (i % 50), 'westeurope', '16', 'Ready'
      FROM generate_series(1, ${SERVERS}) i
      CROSS JOIN LATERAL (SELECT '/subscriptions/' || ${sub(`(1 + i % ${SUBSCRIPTIONS})`)} || '/resourceGroups/rg-data-' || (i % 50) || '/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-' || i AS arm_id) a;
  `);
  // Verdicts as the evaluator writes them for an unprotected server whose vault identity lacks the LTR role.
  await client.query(
    `INSERT INTO server_verdict (server_id, state, governing_rule_id, rule_revision, verdict, hash, state_since, evaluated_at, run_id)
     SELECT s.id, 'unprotected', $1::uuid, 1,
       jsonb_build_object('serverId', s.id, 'serverArmId', s.arm_id, 'state', 'unprotected', 'problems', jsonb_build_array('unprotected', 'missing_roles'),
         'governingRule', jsonb_build_object('id', $1::text, 'name', 'bench-enforce', 'revision', 1, 'order', 1, 'mode', 'enforce'),
         'alsoMatchedRules', '[]'::jsonb, 'reasons', jsonb_build_array('No backup instance protects the server.'), 'exemption', NULL, 'exemptedState', NULL, 'expiredExemptions', '[]'::jsonb,
         'remediation', jsonb_build_object('targetVaultArmId', v.arm_id, 'targetPolicyArmId', v.arm_id || '/backupPolicies/weekly', 'roleAssignmentBy', 'flexguard', 'needsRolesFlexguardCannotAssign', false,
           'actions', jsonb_build_array(
             jsonb_build_object('kind', 'assignRole', 'roleDefinitionGuid', $2::text, 'roleName', 'PostgreSQL Flexible Server Long Term Retention Backup Role', 'principalId', v.principal_id, 'scope', s.arm_id, 'flexguardCanAssign', true),
             jsonb_build_object('kind', 'protect', 'vaultArmId', v.arm_id, 'policyArmId', v.arm_id || '/backupPolicies/weekly')))),
       md5(s.id::text), now(), now(), gen_random_uuid()
     FROM server s JOIN vault v ON v.subscription_id = s.subscription_id`,
    [ruleId, LTR],
  );
  console.log(`fleet inserted in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const { draftPlan } = await import("@/core/remediation/draft-plan");
  const { db, disconnectDb } = await import("@/core/db/client");
  const operator: Actor = { kind: "user", userId: null, label: "bench", role: "OPERATOR", subscriptions: null, sourceIp: null };
  let items = 0;
  const result = await runBench({
    name: "plan-draft-10k",
    metric: "draft",
    unit: "s",
    bound: 15,
    lowerIsBetter: true,
    repeats: 3,
    sample: async () => {
      const t = performance.now();
      const plan = await draftPlan(operator, { selection: { kind: "all" } });
      items = plan.itemCount;
      return (performance.now() - t) / 1000;
    },
    extra: () => ({ items, servers: SERVERS }),
  });
  if (items !== SERVERS) throw new Error(`expected ${SERVERS} items, drafted ${items}`);
  console.log(`item rows: ${await db().remediationItem.count()}`);
  await disconnectDb();
  process.exitCode = result.ok ? 0 : 1;
} finally {
  await client.end();
  await dropDatabase(dbName);
}
