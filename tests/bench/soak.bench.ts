// Benchmark soak: 30 minutes of emulated time (time factor 5: 6 wall minutes) of the whole product as it runs
// unattended: a scan every emulated minute (requested through the web app's API, as "Scan now" does: the scheduler's
// SCAN_INTERVAL_MINUTES counts whole wall-clock minutes, and an emulated minute is 12 s), each followed by the
// evaluation it queues; an approved 2,000-server remediation plan started at the beginning; and a browser's worth of
// app traffic (API reads, server-rendered pages with a session cookie, the run's live progress stream, metrics
// scrapes). Real processes throughout: the emulator process, the worker process serving every queue, and the web app
// (`next start` on the production build).
//
// Figures: worker and web RSS growth after warm-up (bound 10% each): the lowest RSS sampled (once a second) in the
// last 30% of the window over the lowest in the 30% right after the warm-up (the first 20%). The lowest, not the
// median: the worker's heap saws between ~70 and ~230 MiB about once a wall minute (scans of 2,000 servers every 12 s
// and 400 items at once make that much garbage before a major collection), so a median over a span depends on where
// in the saw the span falls, while what a leak raises is the floor the collections come back to. The medians'
// growth is printed beside it. Then jobs left in the queues after the drain (bound 0), Redis keys the idle queues
// should not keep (tests/support/queue-keys.ts says exactly which; bound 0), and, so that a quiet soak cannot pass
// for a good one, failed scans, evaluations, app requests and unfinished items (bound 0).
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import http from "node:http";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { createMigratedDatabase, dropDatabase } from "../support/database";
import { deleteQueueKeys } from "../support/redis";
import { startEmulatorProcess, type EmulatorProcess } from "../support/emulator-process";
import { startWorkerProcess, type WorkerProcess } from "../support/worker-process";
import { ensureWebBuild, startWebProcess, type WebProcess } from "../support/web-process";
import { auditQueueKeys, type QueueKeyAudit } from "../support/queue-keys";
import { freePort } from "../support/free-port";
import { createApprovedPlan, remediationFleet } from "../factories/plans";
import { machineFacts, median, reportFigure } from "./harness";
import { PRINCIPAL_ID, emulatorWorkerEnv } from "./scan-support";

/** Emulated seconds per wall second: an emulated minute is 12 wall seconds, the 30-minute window 6 wall minutes. */
const TIME_FACTOR = Number(process.env.BENCH_TIME_FACTOR ?? 5);
const EMULATED_MINUTES = Number(process.env.BENCH_SOAK_MINUTES ?? 30);
const MINUTE_MS = 60_000 / TIME_FACTOR;
const WINDOW_MS = EMULATED_MINUTES * MINUTE_MS;
/** Warm-up: the first 20% of the window. Growth compares the last 30% with the 30% right after the warm-up: each spans
 * 9 emulated minutes (108 wall seconds), several major collections of the worker. */
const WARM_UP = 0.2;
const SPAN = 0.3;
const GROWTH_BOUND_PERCENT = 10;
const SAMPLE_MS = 1_000;
/** App requests per emulated minute besides the scan request and the metrics scrape. */
const READS_PER_MINUTE = 4;
// 2,000 servers in 20 subscriptions, one vault each; the vault identity lacks its roles on every other server.
const SUBSCRIPTIONS = 20;
const PER_SUBSCRIPTION = 100;
const SERVERS = SUBSCRIPTIONS * PER_SUBSCRIPTION;
// Without first backups an item takes 1.3 emulated minutes (validate, configure protection), 6.6 when its roles must
// propagate first (5 min): at 400 items at once the run takes about 20 emulated minutes, most of the window.
const PLAN_OPTIONS = { concurrency: 400, perVaultConcurrency: 20, firstBackup: false };
const PASSWORD = randomBytes(18).toString("base64url");

const run = `soak_${Date.now().toString(36)}`;
const workDir = path.join(".flexguard", "bench", run);
const certFile = path.join(workDir, "emulator-cert.pem");
const fleetFile = path.join(workDir, "fleet.json");
const redisUrl = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const prefix = `fgbench-${run}`;
const dbName = `flexguard_bench_${run}`;
const metricsToken = randomBytes(24).toString("base64url");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const mib = (v: number) => `${v.toFixed(0)} MiB`;

// --- Everything started is stopped in reverse order, also when something fails.
const cleanups: { name: string; fn: () => Promise<unknown> }[] = [];
const onCleanup = (name: string, fn: () => Promise<unknown>) => cleanups.unshift({ name, fn });
async function cleanUp(): Promise<void> {
  for (const { name, fn } of cleanups.splice(0)) {
    try {
      await fn();
    } catch (err) {
      console.error(`cleanup ${name} failed: ${(err as Error).message}`);
    }
  }
}

/** Holds /tmp/fg-e2e.lock (what end-to-end runs take) while the web build is made and served, so that no end-to-end
 * run rebuilds .next under the running app. Released when the returned function runs or this process ends. */
async function holdE2eLock(): Promise<() => Promise<void>> {
  const proc: ChildProcess = spawn("flock", ["/tmp/fg-e2e.lock", "-c", "echo locked; exec cat"], { stdio: ["pipe", "pipe", "inherit"] });
  const waiting = setTimeout(() => console.log("waiting for /tmp/fg-e2e.lock (an end-to-end run is using the web build)..."), 2_000);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("/tmp/fg-e2e.lock not free within 30 min")), 30 * 60_000);
    readline.createInterface({ input: proc.stdout! }).once("line", () => {
      clearTimeout(timer);
      resolve();
    });
    proc.once("exit", (code) => reject(new Error(`flock exited with code ${code}`)));
  });
  clearTimeout(waiting);
  return () =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null) return resolve();
      proc.once("exit", () => resolve());
      proc.stdin!.end();
    });
}

// --- The app, through HTTP only.
interface Client {
  base: string;
  headers: Record<string, string>;
}
const failures: Record<string, number> = {};
const requestsMade: Record<string, number> = {};

async function call<T = unknown>(client: Client, method: string, pathname: string, body?: unknown, label = `${method} ${pathname.split("?")[0]!.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, ":id")}`): Promise<{ status: number; body: T | null }> {
  requestsMade[label] = (requestsMade[label] ?? 0) + 1;
  try {
    const res = await fetch(client.base + pathname, {
      method,
      headers: { ...client.headers, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      redirect: "manual",
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    // A page that redirects has lost its session (to /login): that is a failure too.
    if (res.status >= 300) {
      failures[label] = (failures[label] ?? 0) + 1;
      console.log(`  ${label}: ${res.status} ${text.slice(0, 300)}`);
    }
    const json = (res.headers.get("content-type") ?? "").includes("json") ? (JSON.parse(text) as T) : null;
    return { status: res.status, body: json };
  } catch (err) {
    failures[label] = (failures[label] ?? 0) + 1;
    console.log(`  ${label}: ${(err as Error).message}`);
    return { status: 0, body: null };
  }
}

async function mustCall<T>(client: Client, method: string, pathname: string, body?: unknown): Promise<T> {
  const res = await call<T>(client, method, pathname, body);
  if (res.status < 200 || res.status >= 300) throw new Error(`${method} ${pathname} answered ${res.status}`);
  return res.body as T;
}

/** Signs in through next-auth's credentials callback, as the login page does; returns the session cookie header. */
async function signIn(base: string, username: string, password: string): Promise<string> {
  const jar = new Map<string, string>();
  const absorb = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(";")[0]!;
      jar.set(pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1));
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const csrf = await fetch(`${base}/api/auth/csrf`);
  absorb(csrf);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const res = await fetch(`${base}/api/auth/callback/password`, {
    method: "POST",
    redirect: "manual",
    headers: { cookie: cookie(), origin: base, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ username, password, csrfToken, json: "true" }),
  });
  absorb(res);
  const me = await fetch(`${base}/api/me`, { headers: { cookie: cookie() } });
  if (me.status !== 200) throw new Error(`signing in as ${username} failed: /api/me answered ${me.status}`);
  return cookie();
}

/** One Prometheus sample (no labels), or NaN. */
function metric(text: string, name: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(" ")[1]) : NaN;
}

interface Sample {
  /** Emulated minutes since the window began. */
  minute: number;
  worker: number;
  web: number;
}

/** The floor (lowest sample) and the median of the span after the warm-up and of the last span, and their growth in %. */
function growth(samples: Sample[], pick: (s: Sample) => number) {
  const inSpan = (from: number, to: number) => samples.filter((s) => s.minute >= from * EMULATED_MINUTES && s.minute < to * EMULATED_MINUTES).map(pick).filter(Number.isFinite);
  const first = inSpan(WARM_UP, WARM_UP + SPAN);
  const last = inSpan(1 - SPAN, 1.0001);
  const floor = { first: Math.min(...first), last: Math.min(...last) };
  const middle = { first: median(first), last: median(last) };
  return { floor, median: middle, percent: (floor.last / floor.first - 1) * 100, medianPercent: (middle.last / middle.first - 1) * 100 };
}

let ok = false;
try {
  console.log(machineFacts());
  console.log(`soak: ${EMULATED_MINUTES} emulated minutes at time factor ${TIME_FACTOR} (${(WINDOW_MS / 60_000).toFixed(1)} wall minutes; an emulated minute is ${MINUTE_MS / 1000} s)`);

  // --- The web build, kept from end-to-end rebuilds while the app runs.
  mkdirSync(workDir, { recursive: true });
  onCleanup("work directory", async () => rmSync(workDir, { recursive: true, force: true }));
  const releaseLock = await holdE2eLock();
  onCleanup("e2e lock", releaseLock);
  const buildStarted = performance.now();
  const built = ensureWebBuild();
  console.log(built ? `web app built in ${((performance.now() - buildStarted) / 1000).toFixed(0)} s` : "web app build (.next) is current: reused");

  // --- Database, emulator, worker, web app.
  const fleet = remediationFleet({ subscriptions: SUBSCRIPTIONS, serversPerSubscription: PER_SUBSCRIPTION, rolesMissingEvery: 2 });
  writeFileSync(fleetFile, JSON.stringify(fleet.description));
  onCleanup("database", () => dropDatabase(dbName));
  const databaseUrl = await createMigratedDatabase(dbName);
  onCleanup("redis keys", () => deleteQueueKeys(redisUrl, prefix));
  const emulator: EmulatorProcess = await startEmulatorProcess({
    servers: SERVERS, subscriptions: SUBSCRIPTIONS, certFile, principalId: PRINCIPAL_ID,
    extraArgs: ["--fleet", fleetFile, "--time-factor", String(TIME_FACTOR)],
  });
  onCleanup("emulator", () => emulator.stop());
  const baseEnv = {
    ...emulatorWorkerEnv({ databaseUrl, redisUrl, prefix, emulatorUrl: emulator.url, certFile }),
    AZURE_SUBSCRIPTIONS: fleet.subscriptions.join(","),
    METRICS_TOKEN: metricsToken,
    DEMO_USERS: "false",
  };
  Object.assign(process.env, baseEnv);
  const { db, disconnectDb } = await import("@/core/db/client");
  const { closeProducers, allQueues } = await import("@/core/queues");
  const { hashPassword } = await import("@/core/auth/passwords");
  const { createApiToken } = await import("@/core/auth/tokens");
  const { getRunProgress } = await import("@/core/remediation/run-progress");
  onCleanup("core connections", () => Promise.allSettled([disconnectDb(), closeProducers()]));

  const workerMetricsPort = await freePort();
  let worker: WorkerProcess | null = await startWorkerProcess({ ...baseEnv, WORKER_QUEUES: "", WORKER_METRICS_PORT: String(workerMetricsPort) });
  onCleanup("worker", async () => worker?.stop());
  let web: WebProcess | null = await startWebProcess({ ...baseEnv, AUTH_SECRET: randomBytes(32).toString("base64url") });
  onCleanup("web app", async () => web?.stop());
  console.log(`worker pid ${worker.pid}, web app pid ${web.pid} at ${web.url}, emulator at ${emulator.url}`);

  // --- An admin with an API token (scripts, the CLI) and a session (the browser), a rule, a webhook receiver.
  const user = await db().user.create({ data: { username: "soak-admin", displayName: "Soak admin", role: "ADMIN", subscriptions: [], passwordHash: await hashPassword(PASSWORD) } });
  const { token } = await createApiToken({ kind: "user", userId: user.id, label: user.username, role: "ADMIN", subscriptions: null, sourceIp: null }, { name: "soak", role: "admin" });
  const api: Client = { base: web.url, headers: { authorization: `Bearer ${token}` } };
  const browser: Client = { base: web.url, headers: { cookie: await signIn(web.url, user.username, PASSWORD) } };
  let delivered = 0;
  const receiver = http.createServer((req, res) => {
    req.resume().on("end", () => {
      delivered++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  onCleanup("webhook receiver", () => new Promise((r) => receiver.close(r)));
  await mustCall(api, "POST", "/api/webhooks", { name: "soak", url: `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`, format: "json" });
  await mustCall(api, "POST", "/api/rules", {
    name: "Every server, weekly backups kept 3 months",
    mode: "enforce",
    order: 10,
    scope: {},
    requirement: { vault: { kind: "matchInRegion", nameGlob: "bv-*" }, policy: { kind: "constraints", minRetention: "P3M", maxBackupInterval: "P1W" }, roleAssignment: "assign" },
  });

  // --- The first scan and its evaluation (before the window: the plan needs the servers' rows).
  const waitQuiet = async (what: string, timeoutMs: number) => {
    for (const deadline = Date.now() + timeoutMs; ; await sleep(500)) {
      const busy = (await db().scan.count({ where: { status: { in: ["QUEUED", "RUNNING"] } } })) + (await db().evaluationRun.count({ where: { status: { in: ["QUEUED", "RUNNING"] } } }));
      if (busy === 0) return;
      if (Date.now() > deadline) throw new Error(`${what}: scans or evaluations still busy after ${timeoutMs / 1000} s`);
    }
  };
  await mustCall(api, "POST", "/api/scans", {});
  await sleep(1_000);
  await waitQuiet("first scan", 5 * 60_000);
  const rows = await db().server.findMany({ select: { id: true, armIdKey: true } });
  const ids = new Map(rows.map((r) => [r.armIdKey, r.id]));
  if (ids.size !== SERVERS) throw new Error(`the first scan stored ${ids.size} servers, not ${SERVERS}`);
  const { planId } = await createApprovedPlan(db(), {
    name: "soak: protect 2,000 servers",
    servers: fleet.servers.map((s) => ({ ...s, id: ids.get(s.armId.toLowerCase())! })),
    options: PLAN_OPTIONS,
  });
  console.log(`first scan and evaluation done; plan ${planId} approved with ${SERVERS} items (${JSON.stringify(PLAN_OPTIONS)})`);

  // --- The window.
  const samples: Sample[] = [];
  const heap: Sample[] = [];
  const t0 = performance.now();
  const minuteNow = () => (performance.now() - t0) / MINUTE_MS;
  const until = (emulatedMinute: number) => sleep(t0 + emulatedMinute * MINUTE_MS - performance.now());
  let windowOver = false;
  const sampler = setInterval(() => samples.push({ minute: minuteNow(), worker: worker?.rssMiB() ?? NaN, web: web?.rssMiB() ?? NaN }), SAMPLE_MS);
  onCleanup("sampler", async () => clearInterval(sampler));

  await mustCall(api, "POST", `/api/plans/${planId}/run`, {});
  const scanIds = new Set<string>();
  let scansJoined = 0;
  const scans = (async () => {
    for (let m = 0; m < EMULATED_MINUTES; m++) {
      await until(m);
      const res = await call<{ scanId: string; created: boolean }>(api, "POST", "/api/scans", {});
      if (res.body?.created) scanIds.add(res.body.scanId);
      else if (res.body) scansJoined++;
    }
  })();
  const reads: [Client, string][] = [
    [api, "/api/overview"],
    [browser, "/"],
    [api, "/api/servers?state=non_compliant&sort=stateSince&dir=desc&pageSize=50"],
    [browser, `/remediation/${planId}`],
    [api, `/api/plans/${planId}`],
    [browser, "/servers?sort=name&page=3"],
    [api, "/api/status"],
    [browser, "/remediation"],
    [api, "/api/scans"],
    [browser, "/servers?q=pg-1&state=compliant"],
  ];
  const traffic = (async () => {
    for (let i = 0; i < EMULATED_MINUTES * READS_PER_MINUTE; i++) {
      await until((i + 0.5) / READS_PER_MINUTE);
      const [client, pathname] = reads[i % reads.length]!;
      await call(client, "GET", pathname);
    }
  })();
  // The plan page's live progress, as a browser's EventSource reads it: reconnecting 5 s after the stream ends.
  let streams = 0;
  let streamEvents = 0;
  const sse = new AbortController();
  const progress = (async () => {
    while (!windowOver) {
      streams++;
      try {
        const res = await fetch(`${web!.url}/api/plans/${planId}/events`, { headers: browser.headers, signal: sse.signal });
        if (res.status !== 200) failures["GET /api/plans/:id/events"] = (failures["GET /api/plans/:id/events"] ?? 0) + 1;
        for await (const chunk of res.body!) streamEvents += Buffer.from(chunk as Uint8Array).toString("utf8").split("event: progress").length - 1;
      } catch (err) {
        if (!sse.signal.aborted) {
          failures["GET /api/plans/:id/events"] = (failures["GET /api/plans/:id/events"] ?? 0) + 1;
          console.log(`  events stream: ${(err as Error).message}`);
        }
      }
      if (!windowOver) await sleep(5_000);
    }
  })();
  // Once per emulated minute: both metrics endpoints (as Prometheus scrapes them) and a line of progress.
  const scrapes = (async () => {
    const metricsClient: Client = { base: `http://127.0.0.1:${workerMetricsPort}`, headers: { authorization: `Bearer ${metricsToken}` } };
    for (let m = 0; m < EMULATED_MINUTES; m++) {
      await until(m + 0.75);
      const [w, a] = await Promise.all([
        fetch(`${metricsClient.base}/metrics`, { headers: metricsClient.headers }).then((r) => r.text()).catch(() => ""),
        fetch(`${web!.url}/api/metrics`, { headers: metricsClient.headers }).then((r) => (r.ok ? r.text() : "")).catch(() => ""),
      ]);
      if (!w) failures["GET worker /metrics"] = (failures["GET worker /metrics"] ?? 0) + 1;
      if (!a) failures["GET /api/metrics"] = (failures["GET /api/metrics"] ?? 0) + 1;
      const h = { minute: minuteNow(), worker: metric(w, "flexguard_nodejs_heap_size_used_bytes") / 2 ** 20, web: metric(a, "flexguard_nodejs_heap_size_used_bytes") / 2 ** 20 };
      heap.push(h);
      const p = await getRunProgress(planId);
      const minute = samples.filter((s) => s.minute >= m - 0.25 && s.minute < m + 0.75);
      const range = (pick: (s: Sample) => number) => `${Math.min(...minute.map(pick)).toFixed(0)}-${Math.max(...minute.map(pick)).toFixed(0)} MiB`;
      console.log(
        `  minute ${String(m + 1).padStart(2)}: worker RSS ${range((s) => s.worker)} (heap used ${mib(h.worker)}), web ${range((s) => s.web)} (heap used ${mib(h.web)}); plan ${p?.status} ${p?.done}/${p?.total}; scans ${scanIds.size} (+${scansJoined} joined)`,
      );
    }
  })();
  await Promise.all([scans, traffic, scrapes]);
  await until(EMULATED_MINUTES);
  windowOver = true;
  clearInterval(sampler);
  sse.abort();
  await progress;
  console.log(`window over after ${((performance.now() - t0) / 1000).toFixed(0)} s; ${machineFacts()}`);

  // --- Drain: the run ends, the last scan and evaluation finish, the queues empty.
  const drainStarted = performance.now();
  for (;;) {
    const p = (await getRunProgress(planId))!;
    if (p.status !== "RUNNING") break;
    if (performance.now() - drainStarted > 15 * 60_000) throw new Error(`the plan is still running 15 min after the window: ${p.done}/${p.total}`);
    await sleep(1_000);
  }
  await waitQuiet("drain", 5 * 60_000);
  let live: QueueKeyAudit | undefined;
  for (let quiet = 0; quiet < 3; await sleep(1_000)) {
    live = await auditQueueKeys(redisUrl, prefix, allQueues);
    quiet = live.depth === 0 ? quiet + 1 : 0;
    if (performance.now() - drainStarted > 20 * 60_000) break;
  }
  const runEnded = (await getRunProgress(planId))!;
  console.log(`drained ${((performance.now() - drainStarted) / 1000).toFixed(0)} s after the window: plan ${runEnded.status} (${JSON.stringify(runEnded.counts)}), queue depth ${live!.depth}`);

  // --- The processes stop as they would in production (SIGTERM: in-flight jobs finish); then Redis is judged.
  await web.stop();
  web = null;
  await worker.stop();
  worker = null;
  const audit = await auditQueueKeys(redisUrl, prefix, allQueues);
  console.log(`redis: ${audit.keys} keys under ${prefix}: ${JSON.stringify(audit.byKind)}; scheduled next runs: ${audit.scheduled}`);
  console.log(`  depths: ${JSON.stringify(audit.depths)}`);
  console.log(`  kept finished jobs: ${JSON.stringify(audit.retained)}; events: ${JSON.stringify(audit.events)}`);
  for (const l of audit.leaked.slice(0, 20)) console.log(`  leaked: ${l.key}: ${l.reason}`);

  // --- Figures.
  const scanRows = await db().scan.groupBy({ by: ["status"], where: { id: { in: [...scanIds] } }, _count: true });
  const evaluations = await db().evaluationRun.groupBy({ by: ["status"], _count: true });
  const unfinished = Object.entries(runEnded.counts).filter(([s]) => !["SUCCEEDED", "BACKUP_PENDING", "NO_CHANGE"].includes(s)).reduce((n, [, c]) => n + c, 0);
  console.log(`scans requested in the window: ${scanIds.size} (${scansJoined} requests joined a running scan): ${scanRows.map((s) => `${s._count} ${s.status}`).join(", ")}`);
  console.log(`evaluations: ${evaluations.map((s) => `${s._count} ${s.status}`).join(", ")}; webhook deliveries received: ${delivered}`);
  console.log(`app requests: ${JSON.stringify(requestsMade)}; progress streams ${streams}, progress events ${streamEvents}`);
  const w = growth(samples, (s) => s.worker);
  const a = growth(samples, (s) => s.web);
  const wh = growth(heap, (s) => s.worker);
  const ah = growth(heap, (s) => s.web);
  const at = (share: number) => +(EMULATED_MINUTES * share).toFixed(1);
  const windows = `emulated minutes ${at(WARM_UP)}-${at(WARM_UP + SPAN)} vs ${at(1 - SPAN)}-${EMULATED_MINUTES}`;
  const describe = (name: string, rss: ReturnType<typeof growth>, used: ReturnType<typeof growth>, pick: (s: Sample) => number) =>
    console.log(
      `${name} RSS floor ${mib(rss.floor.first)} -> ${mib(rss.floor.last)} (${rss.percent.toFixed(1)}%), median ${mib(rss.median.first)} -> ${mib(rss.median.last)} (${rss.medianPercent.toFixed(1)}%); ` +
        `heap used floor ${mib(used.floor.first)} -> ${mib(used.floor.last)}, median ${mib(used.median.first)} -> ${mib(used.median.last)}; peak RSS ${mib(Math.max(...samples.map(pick).filter(Number.isFinite)))}`,
    );
  console.log(`memory, ${windows}:`);
  describe("  worker", w, wh, (s) => s.worker);
  describe("  web", a, ah, (s) => s.web);
  console.log(machineFacts());
  const failedRequests = Object.values(failures).reduce((n, c) => n + c, 0);
  if (failedRequests) console.log(`failed app requests: ${JSON.stringify(failures)}`);
  const figures = [
    reportFigure({ name: "soak", metric: "workerRssGrowth", unit: "%", bound: GROWTH_BOUND_PERCENT, value: w.percent, lowerIsBetter: true }),
    reportFigure({ name: "soak", metric: "webRssGrowth", unit: "%", bound: GROWTH_BOUND_PERCENT, value: a.percent, lowerIsBetter: true }),
    reportFigure({ name: "soak", metric: "queueDepth", unit: "", bound: 0, value: audit.depth, lowerIsBetter: true }),
    reportFigure({ name: "soak", metric: "leakedRedisKeys", unit: "", bound: 0, value: audit.leaked.length, lowerIsBetter: true }),
    reportFigure({ name: "soak", metric: "failedScans", unit: "", bound: 0, value: scanRows.filter((s) => s.status !== "SUCCEEDED").reduce((n, s) => n + s._count, 0), lowerIsBetter: true }),
    reportFigure({ name: "soak", metric: "failedEvaluations", unit: "", bound: 0, value: evaluations.filter((s) => s.status !== "SUCCEEDED").reduce((n, s) => n + s._count, 0), lowerIsBetter: true }),
    reportFigure({ name: "soak", metric: "failedRequests", unit: "", bound: 0, value: failedRequests, lowerIsBetter: true }),
    reportFigure({ name: "soak", metric: "unfinishedItems", unit: "", bound: 0, value: unfinished, lowerIsBetter: true }),
  ];
  ok = figures.every(Boolean);
} catch (err) {
  console.error(`soak failed: ${(err as Error).stack ?? err}`);
} finally {
  await cleanUp();
}
process.exit(ok ? 0 : 1);
