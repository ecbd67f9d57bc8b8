"use client";
// A run's live progress on the plan page: a progress bar, counts per outcome and an ETA from the server-sent
// events of /api/plans/:planId/events, and the run controls (start, pause, resume, cancel, retry failed items).
// The server decides what is allowed; a refused action shows the API's message.
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { apiCall } from "@/app/_components/api-call";

interface Progress {
  status: string;
  pauseReason: string | null;
  counts: Record<string, number>;
  total: number;
  done: number;
  percent: number;
  etaSeconds: number | null;
  finishedAt: string | null;
}

const OUTCOMES: [string, string][] = [
  ["SUCCEEDED", "succeeded"],
  ["BACKUP_PENDING", "protected, first backup pending"],
  ["NO_CHANGE", "no change"],
  ["STALE", "stale"],
  ["FAILED", "failed"],
  ["RUNNING", "running"],
  ["PENDING", "pending"],
  ["CANCELLED", "cancelled"],
  ["NEEDS_ACTION", "needs action"],
];

function formatEta(seconds: number | null): string {
  if (seconds === null) return "";
  if (seconds < 60) return `about ${seconds} s left`;
  const minutes = Math.round(seconds / 60);
  return minutes < 120 ? `about ${minutes} min left` : `about ${Math.round(minutes / 60)} h left`;
}

export function RunProgress({ planId }: { planId: string }) {
  const router = useRouter();
  const [progress, setProgress] = useState<Progress | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const source = new EventSource(`/api/plans/${planId}/events`);
    let lastStatus = "";
    source.addEventListener("progress", (e) => {
      const next = JSON.parse((e as MessageEvent<string>).data) as Progress;
      setProgress(next);
      // The rest of the page (plan status, items) follows when the run changes state.
      if (lastStatus && next.status !== lastStatus) router.refresh();
      lastStatus = next.status;
    });
    return () => source.close();
  }, [planId, router]);

  async function control(action: "run" | "pause" | "resume" | "cancel" | "retry") {
    setError(null);
    setBusy(true);
    try {
      await apiCall("POST", `/api/plans/${planId}/${action}`, {});
      router.refresh();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  const status = progress?.status ?? "";
  const failed = progress?.counts.FAILED ?? 0;
  return (
    <section aria-labelledby="progress-heading" data-testid="run-progress">
      <h2 id="progress-heading">Progress</h2>
      {progress ? (
        <>
          <p role="status" data-testid="plan-status">
            {status.toLowerCase().replace(/_/g, " ")}
            {progress.pauseReason ? `: ${progress.pauseReason}` : ""}
          </p>
          <label>
            {progress.done} of {progress.total} items done ({progress.percent}%){status === "RUNNING" && progress.etaSeconds !== null ? `, ${formatEta(progress.etaSeconds)}` : ""}
            <progress max={100} value={progress.percent} aria-label="Run progress" />
          </label>
          <ul data-testid="run-counts">
            {OUTCOMES.filter(([key]) => (progress.counts[key] ?? 0) > 0).map(([key, label]) => (
              <li key={key}>
                {label}: {progress.counts[key]}
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p role="status">Loading progress…</p>
      )}
      <div className="toolbar">
        {status === "APPROVED" ? <button type="button" disabled={busy} onClick={() => void control("run")}>Start run</button> : null}
        {status === "RUNNING" ? <button type="button" disabled={busy} onClick={() => void control("pause")}>Pause</button> : null}
        {status === "PAUSED" ? <button type="button" disabled={busy} onClick={() => void control("resume")}>Resume</button> : null}
        {["APPROVED", "RUNNING", "PAUSED"].includes(status) ? <button type="button" className="secondary" disabled={busy} onClick={() => void control("cancel")}>Cancel run</button> : null}
        {failed > 0 && ["RUNNING", "PAUSED", "FAILED"].includes(status) ? <button type="button" disabled={busy} onClick={() => void control("retry")}>Retry {failed} failed</button> : null}
        {progress && progress.done > 0 ? (
          <>
            <a href={`/api/plans/${planId}/history?format=csv`}>History (CSV)</a>
            <a href={`/api/plans/${planId}/history?format=json`}>History (JSON)</a>
          </>
        ) : null}
      </div>
      {error ? <p className="error" role="alert">{error}</p> : null}
    </section>
  );
}
