"use client";
// Granting an exemption (a server or a scope, one rule or all, a category, a justification and an expiry) and
// revoking one; the API's field errors show at their fields.
import { useRouter } from "next/navigation";
import { useState } from "react";
import { ApiError, apiCall, issuesByField } from "@/app/_components/api-call";
import { Field } from "@/app/_components/field";

type TargetKind = "server" | "subscription" | "resourceGroup" | "tag";

/** A datetime-local value (no zone) read as UTC, with seconds when given: "2026-05-01T13:45" -> "2026-05-01T13:45:00Z". */
export function utcFromLocalInput(value: string): string {
  if (!value) return "";
  return /T\d{2}:\d{2}$/.test(value) ? `${value}:00Z` : `${value}Z`;
}

export function CreateExemptionForm({ rules, maxValidity, server }: { rules: { id: string; name: string }[]; maxValidity: string; server: { armId: string; name: string } | null }) {
  const router = useRouter();
  const [kind, setKind] = useState<TargetKind>("server");
  const [serverArmId, setServerArmId] = useState(server?.armId ?? "");
  const [subscriptionId, setSubscriptionId] = useState("");
  const [resourceGroup, setResourceGroup] = useState("");
  const [tagKey, setTagKey] = useState("");
  const [tagValue, setTagValue] = useState("");
  const [ruleId, setRuleId] = useState("");
  const [category, setCategory] = useState<"waiver" | "mitigated">("waiver");
  const [justification, setJustification] = useState("");
  const [expiresAt, setExpiresAt] = useState("");
  const [requestedBy, setRequestedBy] = useState("");
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const target =
    kind === "server"
      ? { kind, serverArmId: serverArmId.trim() }
      : kind === "subscription"
        ? { kind, subscriptionId: subscriptionId.trim() }
        : kind === "resourceGroup"
          ? { kind, subscriptionId: subscriptionId.trim(), resourceGroup: resourceGroup.trim() }
          : { kind, key: tagKey, ...(tagValue ? { value: tagValue } : {}) };

  async function submit() {
    setErrors({});
    setFormError(null);
    setDone(null);
    setBusy(true);
    try {
      await apiCall("POST", "/api/exemptions", {
        target,
        ruleId: ruleId || null,
        category,
        justification,
        expiresAt: utcFromLocalInput(expiresAt),
        ...(requestedBy.trim() ? { requestedBy: requestedBy.trim() } : {}),
      });
      setDone("Exemption granted. An evaluation is on its way; the servers show exempt when it finishes.");
      setJustification("");
      router.refresh();
    } catch (err) {
      if (err instanceof ApiError && err.issues.length) {
        // target.serverArmId and the like belong to the target fields; keep their leaf name.
        const byField = issuesByField(err.issues);
        const targetIssues = err.issues.filter((i) => i.field.startsWith("target"));
        setErrors({ ...byField, target: targetIssues.map((i) => i.reason) });
        setFormError(byField[""]?.join("; ") ?? "Some fields need attention; see the messages at the fields.");
      } else setFormError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="grant">
      <h2 id="grant">Grant an exemption</h2>
      <form
        className="stack wide"
        aria-labelledby="grant"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        {formError ? (
          <div role="alert" className="error-box">
            {formError}
          </div>
        ) : null}
        {done ? (
          <p role="status" className="notice" data-testid="exemption-granted">
            {done}
          </p>
        ) : null}
        <Field label="Exempt" errors={undefined}>
          {(p) => (
            <select {...p} value={kind} onChange={(e) => setKind(e.target.value as TargetKind)}>
              <option value="server">one server</option>
              <option value="subscription">a subscription</option>
              <option value="resourceGroup">a resource group</option>
              <option value="tag">servers with a tag</option>
            </select>
          )}
        </Field>
        {kind === "server" ? (
          <Field label={server ? `Server ARM id (${server.name})` : "Server ARM id"} errors={errors.target}>
            {(p) => <input {...p} className="mono" value={serverArmId} onChange={(e) => setServerArmId(e.target.value)} placeholder="/subscriptions/.../flexibleServers/name" />}
          </Field>
        ) : null}
        {kind === "subscription" || kind === "resourceGroup" ? (
          <Field label="Subscription id" errors={kind === "subscription" ? errors.target : errors.target?.filter((e) => /subscription/i.test(e))}>
            {(p) => <input {...p} className="mono" value={subscriptionId} onChange={(e) => setSubscriptionId(e.target.value)} />}
          </Field>
        ) : null}
        {kind === "resourceGroup" ? (
          <Field label="Resource group" errors={errors.target?.filter((e) => !/subscription/i.test(e))}>
            {(p) => <input {...p} value={resourceGroup} onChange={(e) => setResourceGroup(e.target.value)} />}
          </Field>
        ) : null}
        {kind === "tag" ? (
          <>
            <Field label="Tag name" errors={errors.target}>
              {(p) => <input {...p} value={tagKey} onChange={(e) => setTagKey(e.target.value)} />}
            </Field>
            <Field label="Tag value (empty: any value)" errors={undefined}>
              {(p) => <input {...p} value={tagValue} onChange={(e) => setTagValue(e.target.value)} />}
            </Field>
          </>
        ) : null}
        <Field label="From" errors={errors.ruleId}>
          {(p) => (
            <select {...p} value={ruleId} onChange={(e) => setRuleId(e.target.value)}>
              <option value="">every rule</option>
              {rules.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Category" errors={errors.category}>
          {(p) => (
            <select {...p} value={category} onChange={(e) => setCategory(e.target.value as "waiver" | "mitigated")}>
              <option value="waiver">waiver: the risk is accepted</option>
              <option value="mitigated">mitigated: protected another way</option>
            </select>
          )}
        </Field>
        <Field label="Justification" errors={errors.justification}>
          {(p) => <textarea {...p} rows={3} value={justification} onChange={(e) => setJustification(e.target.value)} />}
        </Field>
        <Field label={`Expires (UTC; at most ${maxValidity} ahead)`} errors={errors.expiresAt}>
          {(p) => <input {...p} type="datetime-local" step={1} value={expiresAt} onChange={(e) => setExpiresAt(e.target.value)} />}
        </Field>
        <Field label="Requested by (empty: you)" errors={errors.requestedBy}>
          {(p) => <input {...p} value={requestedBy} onChange={(e) => setRequestedBy(e.target.value)} />}
        </Field>
        <div>
          <button type="submit" disabled={busy}>
            {busy ? "Granting..." : "Grant exemption"}
          </button>
        </div>
      </form>
    </section>
  );
}

export function RevokeButton({ id, what }: { id: string; what: string }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function revoke() {
    if (!window.confirm(`Revoke the exemption of ${what}? Its servers are judged by their rule again at the next evaluation.`)) return;
    setBusy(true);
    setError(null);
    try {
      await apiCall("DELETE", `/api/exemptions/${id}`);
      router.refresh();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <button type="button" className="secondary-inline" disabled={busy} onClick={() => void revoke()} aria-label={`Revoke the exemption of ${what}`}>
        Revoke
      </button>
      {error ? (
        <span role="alert" className="error">
          {error}
        </span>
      ) : null}
    </>
  );
}
