// GET /servers?<filters>&sort=&dir=&page=&pageSize=: the fleet in the viewer's subscriptions as a table, filtered,
// sorted and paged in the database. Every filter lives in the URL (a plain GET form), so a view can be shared, and
// the CSV export link exports exactly the view shown, every page of it.
import Link from "next/link";
import { listFilterOptions } from "@/core/dashboard/list-filter-options";
import { listFleetServers } from "@/core/dashboard/list-fleet-servers";
import { FILTERABLE_STATES, NON_COMPLIANT, NO_RULE, serverQueryParams, serverQuerySchema } from "@/core/dashboard/server-query";
import { requirePageActor } from "../_lib/actor";
import { formatCount, formatTime, stateLabel } from "../_components/format";
import { ServersTable, type ServerTableRow } from "./servers-table";

export const dynamic = "force-dynamic";

export default async function ServersPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await requirePageActor();
  const raw = Object.fromEntries(Object.entries(await searchParams).filter((e): e is [string, string] => typeof e[1] === "string"));
  const parsed = serverQuerySchema.safeParse(raw);
  if (!parsed.success) {
    return (
      <>
        <h1>Servers</h1>
        <div role="alert" className="error-box">
          <p>These filters cannot be applied:</p>
          <ul>
            {parsed.error.issues.map((i) => (
              <li key={`${i.path.join(".")}:${i.message}`}>
                {i.path.join(".") || "query"}: {i.message}
              </li>
            ))}
          </ul>
          <Link href="/servers">Show all servers</Link>
        </div>
      </>
    );
  }
  const query = parsed.data;
  const [result, options] = await Promise.all([listFleetServers(actor, query), listFilterOptions(actor)]);
  const pages = Math.max(1, Math.ceil(result.total / query.pageSize));
  const params = serverQueryParams(query);
  const pageHref = (page: number) => {
    const p = new URLSearchParams(params);
    if (page === 1) p.delete("page");
    else p.set("page", String(page));
    return `/servers${p.size ? `?${p.toString()}` : ""}`;
  };
  const exportParams = new URLSearchParams(params);
  exportParams.delete("page");
  exportParams.delete("pageSize");
  const filtered = ["q", "state", "rule", "subscription", "resourceGroup", "region", "tag", "version"].some((k) => params.has(k));
  const stateValue = query.state ? (raw.state ?? query.state.join(",")) : "";

  const rows: ServerTableRow[] = result.items.map((s) => ({
    id: s.id,
    name: s.name,
    verdictState: s.verdictState,
    governingRuleName: s.governingRuleName,
    subscriptionId: s.subscriptionId,
    resourceGroup: s.resourceGroup,
    location: s.location,
    version: s.version,
    tags: s.tags,
    stateSince: s.stateSince ? formatTime(s.stateSince, "").replace(" UTC", "") : null,
  }));

  return (
    <>
      <h1>Servers</h1>
      <form method="get" action="/servers" className="filters" aria-label="Filter servers">
        <label>
          Name contains
          <input name="q" type="search" defaultValue={query.q ?? ""} />
        </label>
        <label>
          Verdict
          <select name="state" defaultValue={stateValue}>
            <option value="">Any</option>
            <option value={NON_COMPLIANT}>{stateLabel(NON_COMPLIANT)}</option>
            {FILTERABLE_STATES.map((s) => (
              <option key={s} value={s}>
                {stateLabel(s)}
              </option>
            ))}
            {stateValue && ![NON_COMPLIANT, ...FILTERABLE_STATES].includes(stateValue as never) ? <option value={stateValue}>{stateValue.split(",").map(stateLabel).join(", ")}</option> : null}
          </select>
        </label>
        <label>
          Rule
          <select name="rule" defaultValue={query.rule ?? ""}>
            <option value="">Any</option>
            <option value={NO_RULE}>No rule</option>
            {options.rules.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Subscription
          <select name="subscription" defaultValue={query.subscription ?? ""}>
            <option value="">Any</option>
            {options.subscriptions.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Resource group
          <input name="resourceGroup" defaultValue={query.resourceGroup ?? ""} />
        </label>
        <label>
          Region
          <select name="region" defaultValue={query.region ?? ""}>
            <option value="">Any</option>
            {options.regions.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <label>
          Tag (key=value)
          <input name="tag" defaultValue={query.tag ?? ""} placeholder="environment=prod" />
        </label>
        <label>
          Version
          <select name="version" defaultValue={query.version ?? ""}>
            <option value="">Any</option>
            {options.versions.map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
        </label>
        {query.sort !== "name" ? <input type="hidden" name="sort" value={query.sort} /> : null}
        {query.dir !== "asc" ? <input type="hidden" name="dir" value={query.dir} /> : null}
        {query.pageSize !== 50 ? <input type="hidden" name="pageSize" value={query.pageSize} /> : null}
        <div className="filter-actions">
          <button type="submit">Apply filters</button>
          {filtered ? <Link href="/servers">Clear filters</Link> : null}
        </div>
      </form>

      <div className="toolbar">
        <span role="status" data-testid="server-total">
          {formatCount(result.total)} server{result.total === 1 ? "" : "s"}
          {filtered ? " match" : ""}
        </span>
        <a href={`/api/servers/export${exportParams.size ? `?${exportParams.toString()}` : ""}`} download>
          Export CSV ({formatCount(result.total)} rows)
        </a>
      </div>

      {result.total === 0 ? (
        <p className="empty">{filtered ? "No servers match these filters." : "No servers yet. A scan inventories the fleet: run flexguard scan --wait."}</p>
      ) : rows.length === 0 ? (
        <p className="empty">
          There is no page {query.page}: the view has {pages} page{pages === 1 ? "" : "s"}. <Link href={pageHref(1)}>Go to the first page</Link>
        </p>
      ) : (
        <>
          <ServersTable rows={rows} sort={query.sort} dir={query.dir} baseQuery={params.toString()} filterQuery={filterParams(params).toString()} total={result.total} />
          <nav className="pager" aria-label="Pages">
            {query.page > 1 ? <Link href={pageHref(query.page - 1)}>Previous</Link> : null}
            <span>
              Page {query.page} of {pages}
            </span>
            {query.page < pages ? <Link href={pageHref(query.page + 1)}>Next</Link> : null}
          </nav>
        </>
      )}
    </>
  );
}

/** The filters of the view only (no sort or page): the selection a bulk action acts on. */
function filterParams(params: URLSearchParams): URLSearchParams {
  const filters = new URLSearchParams(params);
  for (const key of ["sort", "dir", "page", "pageSize"]) filters.delete(key);
  return filters;
}
