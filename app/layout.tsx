import type { Metadata } from "next";
import type { ReactNode } from "react";
import { currentActor } from "./_lib/actor";
import { roleCan } from "@/core/auth/permissions";
import { SignOutButton } from "./_components/sign-out-button";
import "./globals.css";

export const metadata: Metadata = {
  title: "Flexguard",
  description: "Backup protection for Azure Database for PostgreSQL flexible servers",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  const actor = await currentActor();
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
