// GET /vaults: every Backup vault in the viewer's subscriptions by region: identity, policies, the servers it protects
// and their states; the regions with servers but no vault; and, for those who draft plans, "Protect servers in this region".
import Link from "next/link";
import { roleCan } from "@/core/auth/permissions";
import { listVaults, type RegionVaults } from "@/core/dashboard/list-vaults";
import { requirePageActor } from "../_lib/actor";
import { formatCount, stateLabel } from "../_components/format";
import { StateBadge } from "../_components/state-badge";

export const dynamic = "force-dynamic";

const serversLink = (region: string, state?: string) => `/servers?${new URLSearchParams({ region, ...(state ? { state } : {}) }).toString()}`;
const protectLink = (region: string) => `/remediation/new?${new URLSearchParams({ region }).toString()}`;

export default async function VaultsPage() {
  const actor = await requirePageActor();
  const { regions, regionsWithoutVault, vaultCount } = await listVaults(actor);
  const canDraft = roleCan(actor.role, "plans:draft");

  return (
    <>
      <h1>Backup vaults</h1>
      <p className="muted">
        {formatCount(vaultCount)} vault{vaultCount === 1 ? "" : "s"} in {formatCount(regions.length)} region{regions.length === 1 ? "" : "s"};{" "}
        <span data-testid="regions-without-vault-count">{formatCount(regionsWithoutVault.length)}</span> region{regionsWithoutVault.length === 1 ? "" : "s"} with servers but no vault.
      </p>

      <section aria-labelledby="no-vault">
        <h2 id="no-vault">Regions with servers but no vault</h2>
        {regionsWithoutVault.length === 0 ? (
          <p className="empty">Every region with servers has a vault.</p>
        ) : (
          <table aria-labelledby="no-vault">
            <thead>
              <tr>
                <th scope="col">Region</th>
                <th scope="col" className="num">Servers</th>
                <th scope="col">States</th>
                {canDraft ? <th scope="col">Action</th> : null}
              </tr>
            </thead>
            <tbody>
              {regionsWithoutVault.map((r) => (
                <tr key={r.region} data-testid={`no-vault-${r.region}`}>
                  <td>{r.region}</td>
                  <td className="num">
                    <Link href={serversLink(r.region)}>{formatCount(r.serverCount)}</Link>
                  </td>
                  <td>
                    <StateCounts region={r} />
                  </td>
                  {canDraft ? (
                    <td>
                      <Link href={protectLink(r.region)}>Protect servers in {r.region}</Link>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <h2>Vaults by region</h2>
      {regions.length === 0 ? (
        <p className="empty">No Backup vaults found yet. A scan inventories the vaults in your subscriptions.</p>
      ) : (
        regions.map((r) => (
          <section key={r.region} aria-labelledby={`region-${r.region}`} className="region" data-testid={`region-${r.region}`}>
            <h3 id={`region-${r.region}`}>{r.region}</h3>
            <div className="toolbar">
              <span>
                <Link href={serversLink(r.region)}>
                  {formatCount(r.serverCount)} server{r.serverCount === 1 ? "" : "s"} in {r.region}
                </Link>
                , {formatCount(r.nonCompliant)} non-compliant
              </span>
              {canDraft ? <Link href={protectLink(r.region)}>Protect servers in this region</Link> : null}
            </div>
            <table aria-label={`Vaults in ${r.region}`}>
              <thead>
                <tr>
                  <th scope="col">Vault</th>
                  <th scope="col">Identity</th>
                  <th scope="col">Policies (schedule, retention)</th>
                  <th scope="col" className="num">Protects</th>
                  <th scope="col">Protected servers by state</th>
                </tr>
              </thead>
              <tbody>
                {r.vaults.map((v) => (
                  <tr key={v.id}>
                    <td>
                      <div>{v.name}</div>
                      <div className="muted tags">
                        {v.resourceGroup} · {v.subscriptionId}
                        {v.storageType ? ` · ${v.storageType}` : ""}
                      </div>
                    </td>
                    <td>
                      {v.principalId ? (
                        <span className="mono break">{v.principalId}</span>
                      ) : (
                        <span className="badge badge-bad">no identity</span>
                      )}
                    </td>
                    <td>
                      {v.policies.length === 0 ? (
                        <span className="muted">no policies</span>
                      ) : (
                        <ul className="plain">
                          {v.policies.map((p) => (
                            <li key={p.armId}>
                              {p.name}: every {p.backupInterval ?? "(no schedule)"}, kept {p.defaultRetention ?? "(no retention)"}
                            </li>
                          ))}
                        </ul>
                      )}
                    </td>
                    <td className="num">{formatCount(v.protectedCount)}</td>
                    <td>
                      {v.protectedCount === 0 ? (
                        <span className="muted">none</span>
                      ) : (
                        <ul className="plain">
                          {Object.entries(v.protectedServers)
                            .sort((a, b) => b[1] - a[1])
                            .map(([state, n]) => (
                              <li key={state}>
                                <StateBadge state={state} /> {formatCount(n)}
                              </li>
                            ))}
                        </ul>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        ))
      )}
    </>
  );
}

/** A region's servers per state, each linking to the servers list filtered to the region and state. */
function StateCounts({ region }: { region: RegionVaults }) {
  return (
    <ul className="plain inline">
      {Object.entries(region.servers)
        .sort((a, b) => b[1] - a[1])
        .map(([state, n]) => (
          <li key={state}>
            <Link href={serversLink(region.region, state)} aria-label={`${stateLabel(state)}: ${formatCount(n)} in ${region.region}`}>
              <StateBadge state={state} /> {formatCount(n)}
            </Link>
          </li>
        ))}
    </ul>
  );
}
