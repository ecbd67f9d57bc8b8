import type { Metadata } from "next";
import type { ReactNode } from "react";
import { currentActor } from "./_lib/actor";
import { roleCan } from "@/core/auth/permissions";
import { SignOutButton } from "./_components/sign-out-button";
import { isDatabaseDown } from "@/core/health/database-down";
import "./globals.css";

function Unavailable() {
  return (
    <html lang="en">
      <body>
        <main>
          <h1>Flexguard is unavailable</h1>
          <p role="alert" className="error">
            Flexguard cannot reach its database right now. Nothing is lost: work resumes when the database is back. Try again in a moment; operators can check{" "}
            <a href="/api/ready">/api/ready</a>.
          </p>
        </main>
      </body>
    </html>
  );
}

export const metadata: Metadata = {
  title: "Flexguard",
  description: "Backup protection for Azure Database for PostgreSQL flexible servers",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  let actor: Awaited<ReturnType<typeof currentActor>>;
  try {
    actor = await currentActor();
  } catch (err) {
    // Every page needs the database; say so plainly instead of an error page with a stack trace or a digest.
    if (isDatabaseDown(err)) return <Unavailable />;
    throw err;
  }
  return (
    <html lang="en">
      <body>
        <header className="topbar">
          <a href="/" className="brand">
            Flexguard
          </a>
          {actor ? (
            <nav aria-label="Main" className="nav">
              <a href="/">Overview</a>
              <a href="/servers">Servers</a>
              <a href="/vaults">Vaults</a>
              <a href="/readiness">Readiness</a>
              <a href="/rules">Rules</a>
              <a href="/exemptions">Exemptions</a>
              <a href="/remediation">Remediation</a>
              <a href="/tokens">API tokens</a>
              {roleCan(actor.role, "users:manage") ? <a href="/admin/users">Users</a> : null}
              {roleCan(actor.role, "audit:read") ? <a href="/admin/audit">Audit log</a> : null}
              {roleCan(actor.role, "settings:write") ? <a href="/admin/webhooks">Webhooks</a> : null}
              <a href="/admin/settings">Settings</a>
            </nav>
          ) : (
            <span className="tagline">Backup protection for PostgreSQL flexible servers</span>
          )}
          {actor ? (
            <span className="whoami">
              <span data-testid="whoami">{actor.label}</span> <span className="role">{actor.role.toLowerCase()}</span>
              {actor.subscriptions ? <span className="role">{actor.subscriptions.length} subscription{actor.subscriptions.length === 1 ? "" : "s"}</span> : null}
              <SignOutButton />
            </span>
          ) : null}
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
