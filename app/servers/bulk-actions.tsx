"use client";
// The servers page's bulk-action bar: act on the servers ticked in the table, or on every server matching the
// filters (all pages). Downloads go to GET /api/templates/pack; a remediation plan starts at /remediation/new
// with the same selection (the filters' query string, or ids=<comma list>).
import { useState } from "react";

const FORMATS = [
  { value: "zip", label: "Zip: one template per server, with a README" },
  { value: "resource-group", label: "One template for a resource group" },
  { value: "subscription", label: "One template for a subscription" },
] as const;

export function BulkActions({ selectedIds, filterQuery, total, onClear }: { selectedIds: string[]; filterQuery: string; total: number; onClear: () => void }) {
  const [mode, setMode] = useState<"selected" | "filter">("selected");
  const [format, setFormat] = useState<(typeof FORMATS)[number]["value"]>("zip");
  const [scope, setScope] = useState<"server" | "resourceGroup">("server");
  const bySelection = mode === "selected";
  const count = bySelection ? selectedIds.length : total;

  // The selection as a query string: ids of the ticked servers, or the filters of the view (every page of it).
  const selection = bySelection ? new URLSearchParams({ ids: selectedIds.join(",") }) : new URLSearchParams(filterQuery);
  const pack = new URLSearchParams(selection);
  pack.set("format", format);
  if (scope !== "server") pack.set("backupRoleScope", scope);
  const disabled = count === 0;

  return (
    <section aria-label="Bulk actions" className="toolbar bulk-actions" data-testid="bulk-actions">
      <fieldset>
        <legend>Act on</legend>
        <label>
          <input type="radio" name="bulk-mode" checked={bySelection} onChange={() => setMode("selected")} /> {selectedIds.length} selected server{selectedIds.length === 1 ? "" : "s"}
        </label>{" "}
        <label>
          <input type="radio" name="bulk-mode" checked={!bySelection} onChange={() => setMode("filter")} /> all {total} server{total === 1 ? "" : "s"} matching the filters
        </label>
        {selectedIds.length ? (
          <button type="button" onClick={onClear}>
            Clear selection
          </button>
        ) : null}
      </fieldset>
      <label>
        Template format
        <select value={format} onChange={(e) => setFormat(e.target.value as typeof format)}>
          {FORMATS.map((f) => (
            <option key={f.value} value={f.value}>
              {f.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        Backup role granted on
        <select value={scope} onChange={(e) => setScope(e.target.value as typeof scope)}>
          <option value="server">each server</option>
          <option value="resourceGroup">each resource group (fewer role assignments)</option>
        </select>
      </label>
      {disabled ? (
        <span className="muted">Select servers to download their templates or plan their remediation.</span>
      ) : (
        <>
          <a href={`/api/templates/pack?${pack.toString()}`} download data-testid="download-templates">
            Download templates ({count} server{count === 1 ? "" : "s"})
          </a>
          <a href={`/remediation/new${selection.size ? `?${selection.toString()}` : ""}`} className="button" data-testid="create-plan">
            Create remediation plan
          </a>
        </>
      )}
    </section>
  );
}
