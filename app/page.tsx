// GET /: the fleet at a glance: how many servers Flexguard knows, the last scan, and the servers themselves.
import { z } from "zod";
import { roleCan } from "@/core/auth/permissions";
import { listServers } from "@/core/inventory/list-servers";
import { latestScan } from "@/core/inventory/get-scan";
import { requirePageActor } from "./_lib/actor";
import { ScanNowButton } from "./_components/scan-now-button";

export const dynamic = "force-dynamic";

const PAGE_SIZE = 50;
const querySchema = z.object({ page: z.coerce.number().int().min(1).max(100_000).catch(1) });

export default async function OverviewPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await requirePageActor();
  const { page } = querySchema.parse(await searchParams);
  const [{ total, items }, scan] = await Promise.all([listServers(actor, { page, pageSize: PAGE_SIZE }), latestScan()]);
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));

  return (
    <>
      <h1>Fleet</h1>
      {roleCan(actor.role, "scan:run") ? <ScanNowButton /> : null}
      <section className="stats" aria-label="Fleet summary">
        <div className="stat">
          <div className="value" data-testid="server-count">{total.toLocaleString("en-US")}</div>
          <div className="label">PostgreSQL flexible servers</div>
        </div>
        <div className="stat">
          <div className="value" data-testid="scan-status">{scan ? scan.status.toLowerCase() : "never"}</div>
          <div className="label">
            Last scan{scan?.finishedAt ? `, finished ${scan.finishedAt.toISOString().replace("T", " ").slice(0, 19)} UTC` : ""}
          </div>
          {scan?.error ? <div className="error">{scan.error}</div> : null}
        </div>
      </section>

      {total === 0 ? (
        <p className="empty">No servers yet. A scan inventories the fleet: run <code>flexguard scan --wait</code>.</p>
      ) : (
        <>
          <table aria-label="Servers">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Subscription</th>
                <th scope="col">Resource group</th>
                <th scope="col">Region</th>
                <th scope="col">Version</th>
                <th scope="col">SKU</th>
                <th scope="col">State</th>
                <th scope="col">Tags</th>
              </tr>
            </thead>
            <tbody>
              {items.map((s) => (
                <tr key={s.id}>
                  <td>{s.name}</td>
                  <td>{s.subscriptionId}</td>
                  <td>{s.resourceGroup}</td>
                  <td>{s.location}</td>
                  <td>{s.version ?? ""}</td>
                  <td>{s.skuName ?? ""}</td>
                  <td>{s.state ?? ""}</td>
                  {/* Tag values come from Azure and can hold anything: React renders them as text. */}
                  <td className="tags">{Object.entries(s.tags).map(([k, v]) => `${k}=${v}`).join(", ")}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <nav className="pager" aria-label="Pages">
            {page > 1 ? <a href={`/?page=${page - 1}`}>Previous</a> : null}
            <span>
              Page {page} of {pages}
            </span>
            {page < pages ? <a href={`/?page=${page + 1}`}>Next</a> : null}
          </nav>
        </>
      )}
    </>
  );
}
