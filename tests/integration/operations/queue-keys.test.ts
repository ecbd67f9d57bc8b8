// The Redis audit the soak benchmark judges leaks by (tests/support/queue-keys.ts): quiet queues that kept only what
// their retention allows pass; an orphaned job hash, a lock of a finished job, finished jobs past the cap and a
// scheduler hash without its scheduler are each found.
import { Queue, QueueEvents, Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { auditQueueKeys, type AuditedQueue } from "../../support/queue-keys";
import { deleteQueueKeys } from "../../support/redis";

const redisUrl = process.env.REDIS_URL!;
const prefix = `${process.env.QUEUE_PREFIX}-audit`;
const demo: AuditedQueue = { name: "audit-demo", jobOptions: { removeOnComplete: { count: 2 }, removeOnFail: true } };
const connection = { url: redisUrl, maxRetriesPerRequest: null };

describe("queue key audit", () => {
  const redis = new Redis(redisUrl);
  afterAll(async () => {
    await deleteQueueKeys(redisUrl, prefix);
    redis.disconnect();
  });

  it("passes idle queues within their retention, and names each kind of leak", async () => {
    const queue = new Queue(demo.name, { connection, prefix });
    const events = new QueueEvents(demo.name, { connection, prefix });
    const worker = new Worker(demo.name, async (job) => (job.data as { fail?: boolean }).fail ? Promise.reject(new Error("no")) : "done", { connection, prefix });
    try {
      await events.waitUntilReady();
      const jobs = await queue.addBulk([1, 2, 3, 4].map((n) => ({ name: "n", data: { n }, opts: { ...demo.jobOptions, jobId: `job-${n}` } })));
      const failing = await queue.add("n", { fail: true }, { ...demo.jobOptions, jobId: "job-fails" });
      await Promise.all(jobs.map((j) => j.waitUntilFinished(events)));
      await failing.waitUntilFinished(events).catch(() => {});
      await queue.upsertJobScheduler("hourly", { every: 3_600_000 }, { name: "n", data: {}, opts: demo.jobOptions });
      await worker.close();

      const clean = await auditQueueKeys(redisUrl, prefix, [demo]);
      expect(clean.leaked).toEqual([]);
      expect(clean.retained[demo.name]).toMatchObject({ completed: 2, failed: 0, keepCompleted: 2, keepFailed: 0 });
      expect(clean).toMatchObject({ depth: 0, scheduled: 1 });
      expect(clean.byKind).toMatchObject({ job: 3, scheduler: 1 });

      const base = `${prefix}:${demo.name}:`;
      const [kept] = await redis.zrange(`${base}completed`, 0, 0);
      await redis.hset(`${base}ghost`, "name", "n", "data", "{}");
      await redis.set(`${base}${kept}:lock`, "token");
      await redis.hset(`${base}extra`, "name", "n", "data", "{}");
      await redis.zadd(`${base}completed`, Date.now(), "extra");
      await redis.hset(`${base}repeat:gone`, "every", "1000");
      await queue.add("n", {}, { jobId: "still-waiting" });

      const leaky = await auditQueueKeys(redisUrl, prefix, [demo]);
      expect(leaky.depth).toBe(1);
      expect(leaky.leaked.map((l) => [l.key.slice(base.length), l.reason.split(" (")[0]]).sort()).toEqual([
        ["completed", "more completed jobs than removeOnComplete keeps"],
        ["ghost", "job ghost in no state set"],
        [`${kept}:lock`, `lock of job ${kept}, which is not active`],
        ["repeat:gone", "job scheduler hash without its scheduler"],
      ]);
    } finally {
      await Promise.all([worker.close(), events.close(), queue.close()]);
    }
  });
});
