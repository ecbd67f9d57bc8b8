"use client";
// The servers table: TanStack Table with sorting owned by the server (manualSorting). The sort lives in the URL;
// each sortable header is a link to the same view sorted by that column, so a sorted view can be shared. A checkbox
// per row feeds the bulk-action bar (templates, remediation plan) above the table.
import Link from "next/link";
import { createColumnHelper, rowSortingFeature, tableFeatures, useTable, type SortingState } from "@tanstack/react-table";
import { useMemo, useState } from "react";
import { StateBadge } from "../_components/state-badge";
import { BulkActions } from "./bulk-actions";

export interface ServerTableRow {
  id: string;
  name: string;
  verdictState: string;
  governingRuleName: string | null;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  version: string | null;
  tags: Record<string, string>;
  stateSince: string | null;
}

const features = tableFeatures({ rowSortingFeature });
const helper = createColumnHelper<typeof features, ServerTableRow>();

// Column ids are the API's sort keys for the sortable ones.
const columns = helper.columns([
  helper.accessor("name", { id: "name", header: "Name", cell: (c) => <Link href={`/servers/${c.row.original.id}`}>{c.getValue()}</Link> }),
  helper.accessor("verdictState", { id: "state", header: "Verdict", cell: (c) => <StateBadge state={c.getValue()} /> }),
  helper.accessor("governingRuleName", { id: "rule", header: "Rule", enableSorting: false, cell: (c) => c.getValue() ?? "" }),
  helper.accessor("subscriptionId", { id: "subscription", header: "Subscription", cell: (c) => <span className="mono">{c.getValue()}</span> }),
  helper.accessor("resourceGroup", { id: "resourceGroup", header: "Resource group", enableSorting: false }),
  helper.accessor("location", { id: "region", header: "Region" }),
  helper.accessor("version", { id: "version", header: "Version", enableSorting: false, cell: (c) => c.getValue() ?? "" }),
  // Tag values come from Azure and can hold anything: React renders them as text.
  helper.accessor("tags", {
    id: "tags",
    header: "Tags",
    enableSorting: false,
    cell: (c) => (
      <span className="tags">
        {Object.entries(c.getValue())
          .map(([k, v]) => `${k}=${v}`)
          .join(", ")}
      </span>
    ),
  }),
  helper.accessor("stateSince", { id: "stateSince", header: "State since (UTC)", cell: (c) => c.getValue() ?? "" }),
]);

export function ServersTable({ rows, sort, dir, baseQuery, filterQuery, total }: { rows: ServerTableRow[]; sort: string; dir: "asc" | "desc"; baseQuery: string; filterQuery: string; total: number }) {
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const toggle = (id: string) =>
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const allOnPage = rows.length > 0 && rows.every((r) => selected.has(r.id));
  const toggleAll = () => setSelected(allOnPage ? new Set() : new Set(rows.map((r) => r.id)));
  const sorting = useMemo<SortingState>(() => [{ id: sort, desc: dir === "desc" }], [sort, dir]);
  const table = useTable({
    features,
    columns,
    data: rows,
    getRowId: (row) => row.id,
    manualSorting: true,
    enableSortingRemoval: false,
    sortDescFirst: false,
    state: { sorting },
  });

  const sortHref = (columnId: string, nextDesc: boolean) => {
    const params = new URLSearchParams(baseQuery);
    params.delete("page");
    if (columnId === "name") params.delete("sort");
    else params.set("sort", columnId);
    if (nextDesc) params.set("dir", "desc");
    else params.delete("dir");
    const text = params.toString();
    return `/servers${text ? `?${text}` : ""}`;
  };

  return (
    <>
      <BulkActions selectedIds={[...selected]} filterQuery={filterQuery} total={total} onClear={() => setSelected(new Set())} />
      <table aria-label="Servers" className="servers">
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              <th scope="col">
                <input type="checkbox" aria-label="Select all servers on this page" checked={allOnPage} onChange={toggleAll} />
              </th>
              {group.headers.map((header) => {
                const column = header.column;
                const sorted = column.getIsSorted();
                return (
                  <th key={header.id} scope="col" aria-sort={sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : undefined}>
                    {column.getCanSort() ? (
                      <Link href={sortHref(column.id, sorted ? sorted === "asc" : column.getFirstSortDir() === "desc")} className="sort-link">
                        <table.FlexRender header={header} />
                        <span aria-hidden="true" className="sort-mark">
                          {sorted === "asc" ? " ▲" : sorted === "desc" ? " ▼" : ""}
                        </span>
                      </Link>
                    ) : (
                      <table.FlexRender header={header} />
                    )}
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        <tbody>
          {table.getRowModel().rows.map((row) => (
            <tr key={row.id}>
              <td>
                <input type="checkbox" aria-label={`Select ${row.original.name}`} checked={selected.has(row.id)} onChange={() => toggle(row.id)} />
              </td>
              {row.getAllCells().map((cell) => (
                <td key={cell.id}>
                  <table.FlexRender cell={cell} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
