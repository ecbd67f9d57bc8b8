// GET /tokens: create, list and revoke API tokens for automation and the CLI.
import { ROLES, roleCovers } from "@/core/auth/permissions";
import { listApiTokens } from "@/core/auth/tokens";
import { requirePageActor } from "../_lib/actor";
import { TokensPanel } from "./tokens-panel";

export const dynamic = "force-dynamic";

export default async function TokensPage() {
  const actor = await requirePageActor();
  const tokens = await listApiTokens(actor);
  return (
    <>
      <h1>API tokens</h1>
      <p>Tokens let scripts and the CLI call Flexguard as you, with a role no higher than yours. Send one as <code>Authorization: Bearer &lt;token&gt;</code>.</p>
      <TokensPanel
        roles={ROLES.filter((r) => roleCovers(actor.role, r)).map((r) => r.toLowerCase())}
        tokens={tokens.map((t) => ({
          id: t.id,
          name: t.name,
          prefix: t.prefix,
          role: t.role,
          owner: t.user.username,
          createdAt: t.createdAt.toISOString(),
          expiresAt: t.expiresAt?.toISOString() ?? null,
          lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
          revokedAt: t.revokedAt?.toISOString() ?? null,
        }))}
      />
    </>
  );
}
