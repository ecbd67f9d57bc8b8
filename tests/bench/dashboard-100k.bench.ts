// Benchmark dashboard-100k: 100,000 servers with verdicts, 90 days of daily aggregates and a timeline, inserted
// with generate_series into a fresh database. Measured at the core functions the pages and API routes call:
// the overview data and a filtered, sorted servers page (median of repeated loads, bound 300 ms each), and the
// CSV export of the whole fleet, drained to the end (bound 10 s).
import { randomUUID } from "node:crypto";
import pg from "pg";
import type { Actor } from "@/core/auth/actor";
import { dropDatabase } from "../support/database";
import { freshBenchDatabase } from "./bench-database";
import { reportFigure, runBench } from "./harness";

const SERVERS = 100_000;
const SUBSCRIPTIONS = 200;
const RULES = 50;
const DAYS = 90;

const { dbName, databaseUrl } = await freshBenchDatabase("dashboard");

const client = new pg.Client({ connectionString: databaseUrl });
await client.connect();
try {
  const started = performance.now();
  const runId = randomUUID();
  const states = ["compliant", "compliant", "compliant", "compliant", "unprotected", "missing_roles", "not_in_scope", "exempt", "protection_error", "policy_weaker", "wrong_vault", "no_vault_in_region", "server_not_ready", "protection_pending", "wrong_policy", "not_evaluable"];
  await client.query(`
    INSERT INTO subscription (id, display_name) SELECT 'sub-' || lpad(i::text, 4, '0'), 'Subscription ' || i FROM generate_series(1, ${SUBSCRIPTIONS}) i;
    INSERT INTO protection_rule (id, name, "order", mode, definition, updated_by, revision)
      SELECT gen_random_uuid(), 'rule-' || lpad(i::text, 2, '0'), i * 10, 'enforce', '{}'::jsonb, 'bench', 1 + i % 4 FROM generate_series(1, ${RULES}) i;
    INSERT INTO server (id, arm_id_key, arm_id, name, subscription_id, resource_group, location, version, sku_name, sku_tier, state, tags, last_scan_id)
      SELECT gen_random_uuid(),
             lower(a.arm_id), a.arm_id, a.name, a.sub, a.rg,
             (ARRAY['westeurope','northeurope','eastus','eastus2','westus2','uksouth','francecentral','japaneast','canadacentral','australiaeast'])[1 + i % 10],
             (ARRAY['13','14','15','16'])[1 + i % 4], 'Standard_D2ds_v5', 'GeneralPurpose', CASE WHEN i % 50 = 0 THEN 'Stopped' ELSE 'Ready' END,
             jsonb_build_object('environment', a.env, 'costCenter', 'cc-' || (i % 50), 'owner', 'team-' || (i % 300)),
             NULL
      FROM generate_series(1, ${SERVERS}) i
      CROSS JOIN LATERAL (SELECT (ARRAY['prod','staging','dev','test'])[1 + i % 4] AS env,
                                 'sub-' || lpad((1 + i % ${SUBSCRIPTIONS})::text, 4, '0') AS sub) e
      CROSS JOIN LATERAL (SELECT 'psql-' || e.env || '-' || i AS name, e.sub, e.env, 'rg-' || e.env || '-' || (i % 500) AS rg) b
      CROSS JOIN LATERAL (SELECT b.name, b.sub, b.env, b.rg, '/subscriptions/' || b.sub || '/resourceGroups/' || b.rg || '/providers/Microsoft.DBforPostgreSQL/flexibleServers/' || b.name AS arm_id) a;
  `);
  // Verdicts: a state per server, a governing rule for all but the not-in-scope ones, a state-since within 90 days.
  await client.query(
    `
    WITH rules AS (SELECT array_agg(id ORDER BY "order") AS ids FROM protection_rule),
         numbered AS (SELECT s.id, row_number() OVER (ORDER BY s.name) AS n FROM server s)
    INSERT INTO server_verdict (server_id, state, governing_rule_id, rule_revision, verdict, hash, state_since, evaluated_at, run_id)
    SELECT x.id, x.state, CASE WHEN x.state = 'not_in_scope' THEN NULL ELSE rules.ids[1 + x.n % ${RULES}] END, CASE WHEN x.state = 'not_in_scope' THEN NULL ELSE 1 END,
           jsonb_build_object('serverId', x.id, 'state', x.state, 'problems', jsonb_build_array(x.state), 'reasons', jsonb_build_array('The server is ' || x.state || '.', 'Its vault identity was checked.'),
                              'remediation', NULL, 'exemption', NULL, 'exemptedState', NULL, 'alsoMatchedRules', '[]'::jsonb, 'expiredExemptions', '[]'::jsonb, 'governingRule', NULL),
           md5(x.id::text), now() - ((x.n * 7919) % (90 * 24 * 60)) * interval '1 minute', now(), $1::uuid
    FROM (SELECT id, n, ($2::text[])[1 + (n * 31) % ${states.length}] AS state FROM numbered) x, rules`,
    [runId, states],
  );
  // The timeline: every server's first verdict 90 days ago, and a change for one in five since.
  await client.query(
    `
    INSERT INTO verdict_change (server_id, at, from_state, to_state, governing_rule_id, rule_revision, reasons, run_id)
    SELECT server_id, now() - interval '90 days', NULL, 'unprotected', governing_rule_id, rule_revision, '["first"]'::jsonb, $1::uuid FROM server_verdict`,
    [runId],
  );
  await client.query(
    `
    INSERT INTO verdict_change (server_id, at, from_state, to_state, governing_rule_id, rule_revision, reasons, run_id)
    SELECT server_id, state_since, 'compliant', state, governing_rule_id, rule_revision, verdict->'reasons', $1::uuid FROM server_verdict WHERE hashtext(server_id::text) % 5 = 0`,
    [runId],
  );
  // 90 days of aggregates, today's figures with some drift, by every dimension the evaluation job writes.
  await client.query(`
    INSERT INTO daily_aggregate (day, dimension, key, state, count)
    SELECT (current_date - d)::date, a.dimension, a.key, a.state, greatest(0, a.n - (d * a.n / 200))::int
    FROM generate_series(0, ${DAYS - 1}) d
    CROSS JOIN (
      SELECT x.dimension, x.key, x.state, count(*) AS n
      FROM server_verdict v JOIN server s ON s.id = v.server_id
      CROSS JOIN LATERAL (VALUES ('all', '', v.state), ('rule', coalesce(v.governing_rule_id::text, ''), v.state), ('subscription', s.subscription_id, v.state), ('region', s.location, v.state)) AS x(dimension, key, state)
      GROUP BY x.dimension, x.key, x.state
    ) a;
    INSERT INTO scan (id, status, trigger, queued_at, started_at, finished_at, counts) VALUES (gen_random_uuid(), 'SUCCEEDED', 'bench', now(), now(), now(), '{"servers": ${SERVERS}}');
  `);
  await client.query(`INSERT INTO evaluation_run (id, status, trigger, queued_at, started_at, finished_at, servers, changed) VALUES ($1, 'SUCCEEDED', 'bench', now(), now(), now(), ${SERVERS}, ${SERVERS})`, [runId]);
  if (process.env.BENCH_EXTRA_INDEXES) {
    // The indexes proposed for prisma/schema.prisma, to measure what they buy.
    for (const sql of process.env.BENCH_EXTRA_INDEXES.split(";").filter((s) => s.trim())) await client.query(sql);
  }
  await client.query("VACUUM ANALYZE");
  const counts = await client.query<{ t: string; n: string }>(
    "SELECT 'servers' t, count(*) n FROM server UNION ALL SELECT 'verdicts', count(*) FROM server_verdict UNION ALL SELECT 'verdict changes', count(*) FROM verdict_change UNION ALL SELECT 'daily aggregates', count(*) FROM daily_aggregate",
  );
  console.log(`fleet inserted in ${((performance.now() - started) / 1000).toFixed(1)} s: ${counts.rows.map((r) => `${r.n} ${r.t}`).join(", ")}`);

  const { getOverview } = await import("@/core/dashboard/get-overview");
  const { listFleetServers } = await import("@/core/dashboard/list-fleet-servers");
  const { exportServersCsv } = await import("@/core/dashboard/export-servers-csv");
  const { serverQuerySchema } = await import("@/core/dashboard/server-query");
  const { disconnectDb } = await import("@/core/db/client");
  const admin: Actor = { kind: "user", userId: null, label: "bench", role: "VIEWER", subscriptions: null, sourceIp: null };
  const scoped: Actor = { ...admin, subscriptions: Array.from({ length: 20 }, (_, i) => `sub-${String(i + 1).padStart(4, "0")}`) };
  const timed = async (fn: () => Promise<unknown>) => {
    const t = performance.now();
    await fn();
    return performance.now() - t;
  };
  // Warm the pool and the plans once, as a running app is.
  await getOverview(admin);

  const overview = await runBench({ name: "dashboard-100k", metric: "overview", unit: "ms", bound: 300, lowerIsBetter: true, repeats: 9, sample: () => timed(() => getOverview(admin)) });
  const filteredQuery = serverQuerySchema.parse({ state: "non_compliant", region: "westeurope", sort: "stateSince", dir: "desc", page: "3" });
  const page = await runBench({ name: "dashboard-100k", metric: "serversPage", unit: "ms", bound: 300, lowerIsBetter: true, repeats: 9, sample: () => timed(() => listFleetServers(admin, filteredQuery)) });

  // Other views of the table, printed beside the bounded figures.
  const extras: Record<string, string> = {};
  const views: [string, Actor, Record<string, string>][] = [
    ["unfiltered by name", admin, {}],
    ["unfiltered, last page", admin, { page: "2000" }],
    ["sorted by state", admin, { sort: "state" }],
    ["tag filter", admin, { tag: "costCenter=cc-7", sort: "region" }],
    ["name search", admin, { q: "prod-99" }],
    ["rule + version", admin, { rule: (await client.query<{ id: string }>("SELECT id FROM protection_rule ORDER BY \"order\" LIMIT 1")).rows[0]!.id, version: "16" }],
    ["scoped to 20 subscriptions, non-compliant", scoped, { state: "non_compliant", sort: "subscription" }],
  ];
  for (const [label, who, raw] of views) {
    const q = serverQuerySchema.parse(raw);
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) samples.push(await timed(() => listFleetServers(who, q)));
    extras[label] = `${samples.sort((a, b) => a - b)[2]!.toFixed(1)} ms`;
  }
  const scopedOverview: number[] = [];
  for (let i = 0; i < 5; i++) scopedOverview.push(await timed(() => getOverview(scoped)));
  extras["overview scoped to 20 subscriptions"] = `${scopedOverview.sort((a, b) => a - b)[2]!.toFixed(1)} ms`;
  for (const [k, v] of Object.entries(extras)) console.log(`  servers page, ${k}: ${v}`);

  let rows = 0;
  let bytes = 0;
  const exportRun = await runBench({
    name: "dashboard-100k",
    metric: "csvExportWholeFleet",
    unit: "s",
    bound: 10,
    lowerIsBetter: true,
    repeats: 3,
    sample: async () => {
      const t = performance.now();
      const reader = exportServersCsv(admin, serverQuerySchema.parse({})).getReader();
      rows = 0;
      bytes = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        bytes += value.byteLength;
        for (const b of value) if (b === 10) rows++;
      }
      return (performance.now() - t) / 1000;
    },
    extra: () => ({ csvLines: rows, csvMiB: (bytes / 2 ** 20).toFixed(1) }),
  });
  const exported = reportFigure({ name: "dashboard-100k", metric: "csvRows", unit: "", bound: SERVERS + 1, value: rows, lowerIsBetter: false });
  await disconnectDb();
  process.exitCode = overview.ok && page.ok && exportRun.ok && exported ? 0 : 1;
} finally {
  await client.end();
  // BENCH_KEEP_DB=1 keeps the database for EXPLAIN ANALYZE; its name is printed.
  if (process.env.BENCH_KEEP_DB) console.log(`kept database ${dbName}`);
  else await dropDatabase(dbName);
}
process.exit();
