// What a set of BullMQ queues left in Redis under one prefix, judged key by key: the jobs still to do (queue depth),
// and the keys that idle queues do not legitimately keep (leaks). Read-only; meant for a quiet moment (workers
// stopped or idle), since it reads the state sets first and the keys after.
//
// Legitimate, per queue `<prefix>:<queue>:`:
//   - its structure: meta, id, pc, marker, wait, paused, active, delayed, prioritized, waiting-children, completed,
//     failed, stalled, stalled-check, limiter, events, repeat (the job schedulers), de (the deduplication root);
//   - a job hash `<jobId>` whose id is in one of the state sets, and that job's `:logs`, `:dependencies`,
//     `:processed`, `:failed`, `:unsuccessful`; its `:lock` only while the job is active;
//   - a job scheduler's hash `repeat:<schedulerId>` while the scheduler is listed in `repeat`;
//   - a deduplication key `de:<id>` while the job it names exists;
// and `<prefix>:login-failures:*` (the sign-in limiter) while it has an expiry.
// Leaked: everything else, namely job hashes in no state set, a job's sub-keys without the job, locks of jobs that
// are not active, scheduler hashes without their scheduler, dedup keys of gone jobs, limiter keys without expiry,
// keys of no known shape, and growth beyond the retention caps: completed or failed jobs past the queue's
// removeOnComplete / removeOnFail count (each one over counts), an events stream past its maximum length (BullMQ trims
// it approximately, so a stream node's worth over is allowed).
import type { JobsOptions } from "bullmq";
import { Redis } from "ioredis";

export interface AuditedQueue {
  name: string;
  jobOptions: JobsOptions;
}

export const QUEUE_STATES = ["wait", "paused", "active", "delayed", "prioritized", "waiting-children"] as const;
const FINISHED_STATES = ["completed", "failed"] as const;
const STRUCTURE = new Set([...QUEUE_STATES, ...FINISHED_STATES, "meta", "id", "pc", "marker", "stalled", "stalled-check", "limiter", "events", "repeat", "de"]);
const JOB_SUB_KEYS = ["logs", "dependencies", "processed", "failed", "unsuccessful", "lock"] as const;

export interface QueueKeyAudit {
  /** Keys under the prefix. */
  keys: number;
  /** Keys by kind: structure, job, job:<sub-key>, scheduler, dedup, limiter, leaked. */
  byKind: Record<string, number>;
  /** Jobs per queue and state. */
  depths: Record<string, Record<(typeof QUEUE_STATES)[number], number>>;
  /** Jobs still to do across every queue, not counting the one delayed job each job scheduler keeps for its next run. */
  depth: number;
  /** Delayed jobs that are a live scheduler's next run. */
  scheduled: number;
  /** Completed and failed jobs kept, per queue, beside their caps. */
  retained: Record<string, { completed: number; failed: number; keepCompleted: number; keepFailed: number }>;
  /** Events stream length per queue. */
  events: Record<string, number>;
  leaked: { key: string; reason: string }[];
}

/** How many finished jobs a removeOnComplete / removeOnFail setting keeps (Infinity: no count cap). */
export function retentionCap(setting: JobsOptions["removeOnComplete"]): number {
  if (setting === true) return 0;
  if (setting === false || setting === undefined) return Infinity;
  if (typeof setting === "number") return setting;
  return setting.count ?? Infinity;
}

async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== "0");
  return keys;
}

async function members(redis: Redis, key: string): Promise<string[]> {
  const type = await redis.type(key);
  if (type === "list") return redis.lrange(key, 0, -1);
  if (type === "zset") return redis.zrange(key, 0, -1);
  if (type === "set") return redis.smembers(key);
  return [];
}

export async function auditQueueKeys(redisUrl: string, prefix: string, queues: readonly AuditedQueue[], { maxLenEvents = 10_000 } = {}): Promise<QueueKeyAudit> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    const streamSlack = Number(((await redis.config("GET", "stream-node-max-entries")) as string[])[1] ?? 100);
    const audit: QueueKeyAudit = { keys: 0, byKind: {}, depths: {}, depth: 0, scheduled: 0, retained: {}, events: {}, leaked: [] };
    const count = (kind: string) => (audit.byKind[kind] = (audit.byKind[kind] ?? 0) + 1);
    const leak = (key: string, reason: string) => {
      count("leaked");
      audit.leaked.push({ key, reason });
    };
    const byName = new Map(queues.map((q) => [q.name, q]));

    // The state of each queue first: which jobs it knows, which are active, which schedulers it has.
    const known = new Map<string, Set<string>>();
    const active = new Map<string, Set<string>>();
    const schedulers = new Map<string, Set<string>>();
    for (const q of queues) {
      const base = `${prefix}:${q.name}:`;
      const jobs = new Set<string>();
      const depths = {} as Record<(typeof QUEUE_STATES)[number], number>;
      const scheduled = new Set(await redis.zrange(`${base}repeat`, 0, -1));
      schedulers.set(q.name, scheduled);
      for (const state of QUEUE_STATES) {
        const ids = await members(redis, `${base}${state}`);
        ids.forEach((id) => jobs.add(id));
        depths[state] = ids.length;
        if (state === "active") active.set(q.name, new Set(ids));
        for (const id of ids) {
          // A scheduler's next run: repeat:<schedulerId>:<millis>, waiting for its time.
          const m = state === "delayed" ? /^repeat:(.+):\d+$/.exec(id) : null;
          if (m && scheduled.has(m[1]!)) audit.scheduled++;
          else audit.depth++;
        }
      }
      audit.depths[q.name] = depths;
      const finished = { completed: 0, failed: 0 };
      for (const state of FINISHED_STATES) {
        const ids = await members(redis, `${base}${state}`);
        ids.forEach((id) => jobs.add(id));
        finished[state] = ids.length;
      }
      const keepCompleted = retentionCap(q.jobOptions.removeOnComplete);
      const keepFailed = retentionCap(q.jobOptions.removeOnFail);
      audit.retained[q.name] = { ...finished, keepCompleted, keepFailed };
      for (let i = keepCompleted; i < finished.completed; i++) leak(`${base}completed`, `more completed jobs than removeOnComplete keeps (${finished.completed} > ${keepCompleted})`);
      for (let i = keepFailed; i < finished.failed; i++) leak(`${base}failed`, `more failed jobs than removeOnFail keeps (${finished.failed} > ${keepFailed})`);
      known.set(q.name, jobs);
      const events = (await redis.exists(`${base}events`)) ? await redis.xlen(`${base}events`) : 0;
      audit.events[q.name] = events;
      if (events > maxLenEvents + streamSlack) leak(`${base}events`, `events stream of ${events} entries, past its maximum ${maxLenEvents}`);
    }

    // Then every key under the prefix.
    const keys = await scanKeys(redis, `${prefix}:*`);
    audit.keys = keys.length;
    for (const key of keys) {
      const rest = key.slice(prefix.length + 1);
      if (rest.startsWith("login-failures:")) {
        if ((await redis.pttl(key)) >= 0) count("limiter");
        else leak(key, "sign-in limiter key without an expiry");
        continue;
      }
      const colon = rest.indexOf(":");
      const queue = byName.get(rest.slice(0, colon));
      if (colon < 0 || !queue) {
        leak(key, "not a key of a known queue");
        continue;
      }
      const suffix = rest.slice(colon + 1);
      const jobs = known.get(queue.name)!;
      if (STRUCTURE.has(suffix)) {
        count("structure");
        continue;
      }
      if (suffix.startsWith("repeat:") && !jobs.has(suffix) && !/:\d+(:\w+)?$/.test(suffix)) {
        if (schedulers.get(queue.name)!.has(suffix.slice("repeat:".length))) count("scheduler");
        else leak(key, "job scheduler hash without its scheduler");
        continue;
      }
      if (suffix.startsWith("de:")) {
        const jobId = await redis.get(key);
        if (jobId && jobs.has(jobId)) count("dedup");
        else leak(key, `deduplication key of a job that is gone (${jobId})`);
        continue;
      }
      if (jobs.has(suffix)) {
        if ((await redis.type(key)) === "hash") count("job");
        else leak(key, `a key named like job ${suffix} that is not a job hash`);
        continue;
      }
      const sub = JOB_SUB_KEYS.find((s) => suffix.endsWith(`:${s}`));
      if (sub) {
        const jobId = suffix.slice(0, -(sub.length + 1));
        if (sub === "lock") {
          if (active.get(queue.name)!.has(jobId)) count("job:lock");
          else leak(key, `lock of job ${jobId}, which is not active`);
        } else if (jobs.has(jobId)) count(`job:${sub}`);
        else leak(key, `${sub} of job ${jobId}, which is in no state`);
        continue;
      }
      if ((await redis.type(key)) === "hash") leak(key, `job ${suffix} in no state set (orphaned job hash)`);
      else leak(key, "a key of no known shape");
    }
    return audit;
  } finally {
    redis.disconnect();
  }
}
