"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { apiCall } from "./api-call";

interface ScanStatus {
  status: string;
  counts: Record<string, number>;
  error: string | null;
}

/** Starts a scan (or joins the running one) and follows it until it finishes, then refreshes the page. */
export function ScanNowButton() {
  const router = useRouter();
  const [state, setState] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function scan() {
    setError(null);
    try {
      const { scanId } = await apiCall<{ scanId: string }>("POST", "/api/scans", {});
      for (;;) {
        const scan = await apiCall<ScanStatus>("GET", `/api/scans/${scanId}`);
        const done = Object.entries(scan.counts).filter(([k]) => k === "servers" || k === "subscriptions").map(([k, v]) => `${v} ${k}`).join(", ");
        setState(`Scan ${scan.status.toLowerCase()}${done ? `: ${done}` : ""}`);
        if (!["QUEUED", "RUNNING"].includes(scan.status)) {
          if (scan.error) setError(scan.error);
          router.refresh();
          return;
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
    } catch (err) {
      setError((err as Error).message);
    }
  }

  return (
    <div className="toolbar">
      <button type="button" onClick={() => void scan()} disabled={state !== null && /queued|running/.test(state)}>
        Scan now
      </button>
      <span role="status">{state}</span>
      {error ? <span className="error">{error}</span> : null}
    </div>
  );
}
