// GET /servers/:serverId: one server: its inventory facts and tags, its verdict with reasons and the rule revision,
// its backup instances, the vault identities' role assignments over it, what would fix it, and its timeline.
// Not found (404) when it does not exist or lies outside the viewer's subscriptions.
import Link from "next/link";
import { notFound } from "next/navigation";
import { getServerDetail, type ServerDetail } from "@/core/dashboard/get-server-detail";
import { AppError } from "@/core/errors";
import type { RemediationAction } from "@/core/rules/verdict";
import { bashQuote } from "@/core/templates/pack-instructions";
import { serverTemplateDownload } from "@/core/templates/template-downloads";
import { requirePageActor } from "../../_lib/actor";
import { formatTime, stateLabel } from "../../_components/format";
import { StateBadge } from "../../_components/state-badge";

export const dynamic = "force-dynamic";

export default async function ServerPage({ params }: { params: Promise<{ serverId: string }> }) {
  const actor = await requirePageActor();
  const { serverId } = await params;
  let detail: ServerDetail;
  try {
    detail = await getServerDetail(actor, serverId);
  } catch (err) {
    if (err instanceof AppError && err.code === "NOT_FOUND") notFound();
    throw err;
  }
  const { server, verdict, backupInstances, vaultIdentities, timeline } = detail;
  const tags = Object.entries(server.tags);
  const actions = verdict?.detail.remediation?.actions ?? [];
  // Roles the vault identity lacks: the template that grants them, for whoever may assign roles there.
  const needsRoles = actions.some((a) => a.kind === "assignRole");
  const template = needsRoles ? await serverTemplateDownload(actor, server.id).catch((err: unknown) => (err instanceof AppError ? err : Promise.reject(err))) : null;

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href="/servers">Servers</Link> / <span aria-current="page">{server.name}</span>
      </nav>
      <h1>{server.name}</h1>
      {server.deletedAt ? <p className="error">The last complete scan of its subscription no longer found this server ({formatTime(server.deletedAt)}).</p> : null}

      <div className="grid-2">
        <section aria-labelledby="facts">
          <h2 id="facts">Inventory</h2>
          <dl className="facts">
            <dt>Resource id</dt>
            <dd className="mono">{server.armId}</dd>
            <dt>Subscription</dt>
            <dd className="mono">{server.subscriptionId}</dd>
            <dt>Resource group</dt>
            <dd>{server.resourceGroup}</dd>
            <dt>Region</dt>
            <dd>{server.location}</dd>
            <dt>PostgreSQL version</dt>
            <dd>{server.version ?? "unknown"}</dd>
            <dt>SKU</dt>
            <dd>{[server.skuName, server.skuTier].filter(Boolean).join(", ") || "unknown"}</dd>
            <dt>Server state</dt>
            <dd>{server.state ?? "unknown"}</dd>
            <dt>First seen</dt>
            <dd>{formatTime(server.firstSeenAt)}</dd>
            <dt>Last seen</dt>
            <dd>{formatTime(server.lastSeenAt)}</dd>
          </dl>
          <h3>Tags</h3>
          {tags.length === 0 ? (
            <p className="muted">No tags.</p>
          ) : (
            // Tag names and values come from Azure: rendered as text.
            <table aria-label="Tags">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Value</th>
                </tr>
              </thead>
              <tbody>
                {tags.map(([k, v]) => (
                  <tr key={k}>
                    <td>{k}</td>
                    <td className="break">{v}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>

        <section aria-labelledby="verdict">
          <h2 id="verdict">Verdict</h2>
          {verdict ? (
            <>
              <p className="verdict-line">
                <span data-testid="verdict-state">
                  <StateBadge state={verdict.state} />
                </span>{" "}
                since {formatTime(verdict.stateSince)}, evaluated {formatTime(verdict.evaluatedAt)}
              </p>
              <p data-testid="verdict-rule">
                {verdict.governingRuleId ? (
                  <>
                    Governed by rule <Link href={`/servers?rule=${verdict.governingRuleId}`}>{verdict.governingRuleName ?? verdict.governingRuleId}</Link>, revision {verdict.ruleRevision ?? "?"}
                    {verdict.detail.governingRule ? ` (${verdict.detail.governingRule.mode})` : ""}
                  </>
                ) : (
                  "No enabled rule's scope matches this server."
                )}
              </p>
              {verdict.detail.exemption ? (
                <p>
                  Exempt ({verdict.detail.exemption.category}) until {formatTime(verdict.detail.exemption.expiresAt)}
                  {verdict.detail.exemptedState ? `; without the exemption: ${stateLabel(verdict.detail.exemptedState)}` : ""}.
                </p>
              ) : null}
              <h3>Reasons</h3>
              {verdict.detail.reasons.length ? (
                <ul data-testid="verdict-reasons">
                  {verdict.detail.reasons.map((r, i) => (
                    <li key={i}>{r}</li>
                  ))}
                </ul>
              ) : (
                <p className="muted">None given.</p>
              )}
              {verdict.detail.problems.length > 1 ? <p>Also found: {verdict.detail.problems.slice(1).map(stateLabel).join(", ")}.</p> : null}
              {verdict.detail.alsoMatchedRules.length ? <p>Other rules that match: {verdict.detail.alsoMatchedRules.map((r) => r.name).join(", ")}.</p> : null}
              <h3>What would fix it</h3>
              {actions.length ? (
                <ol>
                  {actions.map((a, i) => (
                    <li key={i}>{describeAction(a)}</li>
                  ))}
                </ol>
              ) : (
                <p className="muted">Nothing to do.</p>
              )}
            </>
          ) : (
            <p className="empty">Not evaluated yet: the evaluation after the next scan judges it.</p>
          )}
        </section>
      </div>

      {template ? (
        <section aria-labelledby="template">
          <h2 id="template">Role assignment template</h2>
          {template instanceof AppError ? (
            <p className="error" data-testid="template-error">
              {template.message}
            </p>
          ) : (
            <>
              <p>
                {verdict?.detail.remediation?.needsRolesFlexguardCannotAssign
                  ? "Flexguard's principal may not assign these roles. Someone who may (Owner, User Access Administrator or Role Based Access Control Administrator on the resource group) deploys this template to the server's resource group; then revalidate."
                  : "Deploying this template to the server's resource group grants the vault identity the roles it lacks."}{" "}
                It creates {template.roleAssignmentCount} role assignment{template.roleAssignmentCount === 1 ? "" : "s"}; deploying it again changes nothing.
              </p>
              <p>
                <a href={`/api/servers/${server.id}/template`} download className="button" data-testid="download-template">
                  Download template
                </a>{" "}
                <span className="mono">
                  az deployment group create --subscription {server.subscriptionId} --resource-group {bashQuote(server.resourceGroup)} --template-file {bashQuote(template.fileName)}
                </span>
              </p>
              <details>
                <summary>Preview {template.fileName}</summary>
                <pre className="template-preview" data-testid="template-preview">
                  {template.json}
                </pre>
              </details>
            </>
          )}
        </section>
      ) : null}

      <section aria-labelledby="protection">
        <h2 id="protection">Backup instances</h2>
        {backupInstances.length === 0 ? (
          <p className="muted">No backup instance protects this server.</p>
        ) : (
          <table aria-labelledby="protection">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Vault</th>
                <th scope="col">Protection</th>
                <th scope="col">Policy</th>
                <th scope="col">Error</th>
              </tr>
            </thead>
            <tbody>
              {backupInstances.map((b) => (
                <tr key={b.armId}>
                  <td>{b.name}</td>
                  <td>{b.vaultName ?? b.vaultArmId}</td>
                  <td>{[b.currentProtectionState, b.protectionStatus].filter(Boolean).join(" / ") || "unknown"}</td>
                  <td className="break">{b.policyArmId?.split("/").pop() ?? ""}</td>
                  <td className="break">{[b.errorCode, b.errorMessage].filter(Boolean).join(": ")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section aria-labelledby="roles">
        <h2 id="roles">Vault identities and their roles over this server</h2>
        {vaultIdentities.length === 0 ? (
          <p className="muted">No vault protects this server and its rule names none in its region.</p>
        ) : (
          vaultIdentities.map((v) => (
            <div key={v.vaultArmId} className="vault-identity">
              <h3>
                {v.vaultName} <span className="muted">({v.relation === "protects" ? "protects it" : "its rule's vault"})</span>
              </h3>
              <p>{v.principalId ? <>Identity <span className="mono">{v.principalId}</span></> : "The vault has no system-assigned identity."}</p>
              {v.roleAssignments.length ? (
                <table aria-label={`Role assignments of ${v.vaultName}`}>
                  <thead>
                    <tr>
                      <th scope="col">Role</th>
                      <th scope="col">Scope</th>
                    </tr>
                  </thead>
                  <tbody>
                    {v.roleAssignments.map((a) => (
                      <tr key={a.armId}>
                        <td>{a.roleName}</td>
                        <td className="mono break">{a.scope}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : (
                <p className="muted">Its identity holds no role on the server, its resource group or its subscription.</p>
              )}
            </div>
          ))
        )}
      </section>

      <section aria-labelledby="timeline">
        <h2 id="timeline">Timeline</h2>
        {timeline.length === 0 ? (
          <p className="muted">No verdict changes recorded yet.</p>
        ) : (
          <ol className="timeline" data-testid="timeline">
            {timeline.map((t, i) => (
              <li key={i}>
                <time dateTime={new Date(t.at).toISOString()}>{formatTime(t.at)}</time>: {t.fromState ? <>{stateLabel(t.fromState)} → </> : "first verdict: "}
                <StateBadge state={t.toState} />
                {t.ruleRevision !== null ? <span className="muted"> (rule revision {t.ruleRevision})</span> : null}
                {t.reasons.length ? <div className="muted">{t.reasons.join(" ")}</div> : null}
              </li>
            ))}
          </ol>
        )}
      </section>
    </>
  );
}

/** One remediation step in words; ARM ids shown by their last segment, names as text. */
function describeAction(a: RemediationAction): string {
  const last = (id: string | null) => (id ? (id.split("/").pop() ?? id) : "a policy to be chosen");
  switch (a.kind) {
    case "makeServerReady":
      return `Start the server (it is ${a.currentState}): Azure backs up only servers that are Ready.`;
    case "createVault":
      return `Create a Backup vault in ${a.region}.`;
    case "enableVaultIdentity":
      return `Enable the system-assigned identity of vault ${last(a.vaultArmId)}.`;
    case "assignRole":
      return `Assign ${a.roleName} to the vault identity on ${a.scope}${a.flexguardCanAssign ? "" : " (needs an owner: download the template)"}.`;
    case "createPolicy":
      return `Create a backup policy in vault ${last(a.vaultArmId)}${a.minRetention ? ` keeping backups at least ${a.minRetention}` : ""}${a.maxBackupInterval ? `, at least every ${a.maxBackupInterval}` : ""}.`;
    case "protect":
      return `Protect the server in vault ${last(a.vaultArmId)} with policy ${last(a.policyArmId)}.`;
    case "changePolicy":
      return `Switch backup instance ${last(a.backupInstanceArmId)} to policy ${last(a.policyArmId)}.`;
    case "resolveProtectionError":
      return `Resolve the error of backup instance ${last(a.backupInstanceArmId)} (${a.protectionState}${a.errorCode ? `, ${a.errorCode}` : ""}).`;
    case "retireBackupInstance":
      return `Retire backup instance ${last(a.backupInstanceArmId)} in vault ${last(a.vaultArmId)} (never automatic: it stops or deletes backups).`;
  }
}
