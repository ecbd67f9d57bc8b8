"use client";
// What a person can do to a plan from its page: submit it, approve or reject it with a comment (bound to the hash
// shown), rename it, or delete it. The server decides; buttons only reflect what it said the viewer may do.
import { useRouter } from "next/navigation";
import { useState } from "react";
import { apiCall } from "@/app/_components/api-call";
import { useApiAction } from "../../_components/use-api-action";

interface Props {
  planId: string;
  name: string;
  revision: number;
  contentHash: string;
  can: { edit: boolean; submit: boolean; approve: boolean; delete: boolean; approveRefusal: string | null };
  /** Whether the viewer holds the approver role at all (then the decision form shows, disabled when they may not decide). */
  approverRole: boolean;
  awaitingApproval: boolean;
}

export function PlanActions({ planId, name, revision, contentHash, can, approverRole, awaitingApproval }: Props) {
  const { error, busy, run } = useApiAction();
  const [comment, setComment] = useState("");

  return (
    <section aria-labelledby="actions-heading">
      <h2 id="actions-heading">Decision</h2>
      <div className="filter-actions">
        {can.submit ? (
          <button type="button" disabled={busy} onClick={() => void run(() => apiCall("POST", `/api/plans/${planId}/submit`, { contentHash }))}>
            Submit for approval
          </button>
        ) : null}
        {can.edit ? (
          <button
            type="button"
            className="secondary"
            disabled={busy}
            onClick={() => {
              const next = window.prompt("New name of the plan", name);
              if (next && next.trim() && next.trim() !== name) void run(() => apiCall("PATCH", `/api/plans/${planId}`, { revision, name: next.trim() }));
            }}
          >
            Rename
          </button>
        ) : null}
        {can.delete ? (
          <button type="button" className="secondary" disabled={busy} onClick={() => void run(() => apiCall("DELETE", `/api/plans/${planId}`), "/remediation")}>
            Delete plan
          </button>
        ) : null}
      </div>
      {approverRole && awaitingApproval ? (
        <form className="stack" aria-label="Approve or reject" onSubmit={(e) => e.preventDefault()}>
          <p className="muted">
            You decide on revision {revision}, content hash <span className="mono break">{contentHash}</span>.
          </p>
          <label>
            Comment
            <textarea name="comment" rows={3} maxLength={2000} value={comment} onChange={(e) => setComment(e.target.value)} disabled={!can.approve} />
          </label>
          {can.approveRefusal ? <p className="muted">{can.approveRefusal}</p> : null}
          <div className="filter-actions">
            <button type="button" disabled={busy || !can.approve || !comment.trim()} onClick={() => void run(() => apiCall("POST", `/api/plans/${planId}/approve`, { contentHash, comment }))}>
              Approve
            </button>
            <button type="button" className="secondary" disabled={busy || !can.approve || !comment.trim()} onClick={() => void run(() => apiCall("POST", `/api/plans/${planId}/reject`, { contentHash, comment }))}>
              Reject
            </button>
          </div>
        </form>
      ) : null}
      {error ? (
        <p role="alert" className="error">
          {error}
        </p>
      ) : null}
    </section>
  );
}

/** Removes one item from a plan that has not started (voids an approval). */
export function RemoveItemButton({ planId, revision, seq }: { planId: string; revision: number; seq: number }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <button
        type="button"
        className="link-button"
        onClick={() =>
          void apiCall("PATCH", `/api/plans/${planId}`, { revision, removeItems: [seq] })
            .then(() => router.refresh())
            .catch((err: Error) => setError(err.message))
        }
      >
        Remove item {seq}
      </button>
      {error ? (
        <span role="alert" className="error">
          {" "}
          {error}
        </span>
      ) : null}
    </>
  );
}
