// Queue "evaluate": judges the whole fleet against the rules for one EvaluationRun row.
import { runEvaluation } from "@/core/evaluation/run-evaluation";
import { evaluateQueue } from "@/core/queues";
import { runQueue } from "../run-queue";

export const startEvaluateProcessor = () =>
  runQueue(evaluateQueue, ({ runId }, job) => runEvaluation(runId, { attempt: job.attemptsMade + 1, maxAttempts: job.opts.attempts ?? 1 }));
