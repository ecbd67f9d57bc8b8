// templates-10k: the zip pack of per-server role-assignment templates for 10,000 servers, downloaded over loopback
// HTTP through what GET /api/templates/pack runs: the query parsed by its schema, templatePackDownload reading the
// servers and their verdicts from a fresh database in batches, the zip turned into a web stream (Readable.toWeb,
// as the route hands it to Next) and written to the socket. It must start arriving at once and end in under 5 s.
// One sample = one GET; the client reads every byte. Reported: total time (bound 5 s) and time to first byte
// (bound 0.5 s), medians of 5 downloads, with the process's CPU time per download beside them (these machines are
// shared: CPU time says what the pack costs when wall time says how busy the machine was).
import { randomUUID } from "node:crypto";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { pipeline } from "node:stream/promises";
import { gzipSync } from "node:zlib";
import pg from "pg";
import type { Actor } from "@/core/auth/actor";
import { ROLE } from "@/core/inventory/types";
import { dropDatabase } from "../support/database";
import { freshBenchDatabase } from "./bench-database";
import { readZip } from "../unit/templates/read-zip";
import { median, reportFigure, runBench } from "./harness";

const SERVERS = 10_000;
const SUBSCRIPTIONS = 20;
const GROUPS_PER_SUBSCRIPTION = 25;
const REPEATS = 5;

const { dbName, databaseUrl } = await freshBenchDatabase("templates");

const client = new pg.Client({ connectionString: databaseUrl });
await client.connect();
let server: Server | null = null;
try {
  // 10,000 servers in 500 resource groups of 20 subscriptions, a vault per subscription, some names hostile; every
  // verdict asks for the backup role on the server, four in five also for Reader on the group.
  const seeded = performance.now();
  await client.query(`
    INSERT INTO subscription (id) SELECT '5ab5c41d-0000-4000-8000-' || lpad(to_hex(i), 12, '0') FROM generate_series(0, ${SUBSCRIPTIONS - 1}) i;
    INSERT INTO vault (id, arm_id_key, arm_id, name, subscription_id, resource_group, location, principal_id)
      SELECT gen_random_uuid(), lower(v.arm_id), v.arm_id, 'bv-weu', v.sub, 'rg-backup', 'westeurope', '3c2b1a09-0000-4000-8000-' || lpad(to_hex(i), 12, '0')
      FROM generate_series(0, ${SUBSCRIPTIONS - 1}) i
      CROSS JOIN LATERAL (SELECT '5ab5c41d-0000-4000-8000-' || lpad(to_hex(i), 12, '0') AS sub) s
      CROSS JOIN LATERAL (SELECT '/subscriptions/' || s.sub || '/resourceGroups/rg-backup/providers/Microsoft.DataProtection/backupVaults/bv-weu' AS arm_id, s.sub) v;
    INSERT INTO server (id, arm_id_key, arm_id, name, subscription_id, resource_group, location, version, state)
      SELECT gen_random_uuid(), lower(a.arm_id), a.arm_id, a.name, a.sub, a.rg, 'westeurope', '16', 'Ready'
      FROM generate_series(0, ${SERVERS - 1}) i
      CROSS JOIN LATERAL (SELECT '5ab5c41d-0000-4000-8000-' || lpad(to_hex(i % ${SUBSCRIPTIONS}), 12, '0') AS sub,
                                 CASE WHEN i % 97 = 0 THEN 'rg-o''neil (ü) ' || (i % ${GROUPS_PER_SUBSCRIPTION}) ELSE 'rg-' || lpad(to_hex((i / ${SUBSCRIPTIONS}) % ${GROUPS_PER_SUBSCRIPTION}), 3, '0') END AS rg,
                                 CASE WHEN i % 89 = 0 THEN 'pg-[' || i || ']''"<x>' ELSE 'pg-' || lpad(to_hex(i), 5, '0') END AS name) b
      CROSS JOIN LATERAL (SELECT b.sub, b.rg, b.name, '/subscriptions/' || b.sub || '/resourceGroups/' || b.rg || '/providers/Microsoft.DBforPostgreSQL/flexibleServers/' || b.name AS arm_id) a;
  `);
  const ruleId = randomUUID();
  await client.query(
    `
    INSERT INTO server_verdict (server_id, state, governing_rule_id, rule_revision, verdict, hash, state_since, evaluated_at, run_id)
    SELECT s.id, 'missing_roles', NULL, 4,
           jsonb_build_object('serverId', s.id, 'serverArmId', s.arm_id, 'state', 'missing_roles', 'problems', jsonb_build_array('missing_roles'),
             'governingRule', jsonb_build_object('id', $1::text, 'name', 'Production databases', 'revision', 4, 'order', 1, 'mode', 'enforce'),
             'alsoMatchedRules', '[]'::jsonb, 'reasons', jsonb_build_array('The identity of vault ''bv-weu'' lacks roles.'),
             'remediation', jsonb_build_object('targetVaultArmId', vt.arm_id, 'targetPolicyArmId', NULL, 'roleAssignmentBy', 'template', 'needsRolesFlexguardCannotAssign', true,
               'actions', jsonb_build_array(jsonb_build_object('kind', 'assignRole', 'roleDefinitionGuid', $2::text, 'roleName', 'LTR', 'principalId', vt.principal_id, 'scope', s.arm_id, 'flexguardCanAssign', false))
                 || CASE WHEN n % 5 = 0 THEN '[]'::jsonb ELSE jsonb_build_array(jsonb_build_object('kind', 'assignRole', 'roleDefinitionGuid', $3::text, 'roleName', 'Reader', 'principalId', vt.principal_id,
                      'scope', '/subscriptions/' || s.subscription_id || '/resourceGroups/' || s.resource_group, 'flexguardCanAssign', false)) END),
             'exemption', NULL, 'exemptedState', NULL, 'expiredExemptions', '[]'::jsonb),
           md5(s.id::text), now(), now(), $4::uuid
    FROM (SELECT s.*, row_number() OVER (ORDER BY s.arm_id_key) AS n FROM server s) s JOIN vault vt ON vt.subscription_id = s.subscription_id`,
    [ruleId, ROLE.pgFlexLtrBackup, ROLE.reader, randomUUID()],
  );
  console.log(`seeded ${SERVERS} servers with verdicts in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);

  const { templatePackQuerySchema } = await import("@/core/templates/schemas");
  const { templatePackDownload } = await import("@/core/templates/template-downloads");
  const { contentDisposition } = await import("@/core/templates/safe-file-name");
  const { disconnectDb } = await import("@/core/db/client");
  const viewer: Actor = { kind: "token", userId: null, label: "bench", role: "VIEWER", subscriptions: null, sourceIp: null };

  // The route's work, outside Next: parse, build the pack, hand the zip on as a web stream.
  server = createServer((req, res) => {
    void (async () => {
      const { ids, format, backupRoleScope, ...filters } = templatePackQuerySchema.parse(Object.fromEntries(new URL(req.url!, "http://x").searchParams));
      const pack = await templatePackDownload(viewer, { selection: { filters, ids }, format, backupRoleScope });
      const body = typeof pack.body === "string" ? Readable.from([pack.body]) : Readable.fromWeb(Readable.toWeb(pack.body) as WebReadableStream<Uint8Array>);
      res.writeHead(200, { "content-type": pack.contentType, "content-disposition": contentDisposition(pack.fileName) });
      await pipeline(body, res);
    })().catch((error: unknown) => res.destroy(error as Error));
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const download = (keepBody: boolean): Promise<{ firstByteMs: number; totalMs: number; bytes: number; body: Buffer[] }> => {
    const start = performance.now();
    return new Promise((resolve, reject) => {
      request({ host: "127.0.0.1", port, path: "/api/templates/pack?format=zip" }, (res) => {
        let first = -1;
        let size = 0;
        const body: Buffer[] = [];
        res.on("data", (chunk: Buffer) => {
          if (first < 0) first = performance.now() - start;
          size += chunk.length;
          if (keepBody) body.push(chunk);
        });
        res.on("end", () => resolve({ firstByteMs: first, totalMs: performance.now() - start, bytes: size, body }));
        res.on("error", reject);
      })
        .on("error", reject)
        .end();
    });
  };

  let bytes = 0;
  let gzipBytes = 0;
  let entries = 0;
  const firstByteMs: number[] = [];
  const cpuMs: number[] = [];
  const total = await runBench({
    name: "templates-10k",
    metric: "total",
    unit: "ms",
    bound: 5000,
    lowerIsBetter: true,
    repeats: REPEATS,
    sample: async () => {
      const cpuBefore = process.cpuUsage();
      const result = await download(entries === 0);
      const cpu = process.cpuUsage(cpuBefore);
      cpuMs.push((cpu.user + cpu.system) / 1000);
      bytes = result.bytes;
      if (entries === 0) {
        const zip = Buffer.concat(result.body);
        entries = readZip(zip).length;
        gzipBytes = gzipSync(zip).length;
      }
      firstByteMs.push(result.firstByteMs);
      console.log(`    first byte after ${result.firstByteMs.toFixed(1)} ms, ${(result.bytes / 2 ** 20).toFixed(2)} MiB, CPU ${cpuMs.at(-1)!.toFixed(0)} ms`);
      return result.totalMs;
    },
    extra: () => ({ servers: SERVERS, zipEntries: entries, zipBytes: bytes, gzipBytes, firstByteMedianMs: Math.round(median(firstByteMs) * 10) / 10, cpuMedianMs: Math.round(median(cpuMs)) }),
  });
  const firstByte = reportFigure({ name: "templates-10k", metric: "first_byte", unit: "ms", bound: 500, value: median(firstByteMs), lowerIsBetter: true });
  // Every server's template, the README and the two scripts, or the figures measured something else.
  if (entries !== SERVERS + 3) console.log(`WRONG PACK: ${entries} entries, expected ${SERVERS + 3}`);
  await disconnectDb();
  process.exitCode = total.ok && firstByte && entries === SERVERS + 3 ? 0 : 1;
} finally {
  server?.close();
  await client.end();
  await dropDatabase(dbName);
}
