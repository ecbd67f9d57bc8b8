import type { Metadata } from "next";
import type { ReactNode } from "react";
import "./globals.css";

export const metadata: Metadata = {
  title: "Flexguard",
  description: "Backup protection for Azure Database for PostgreSQL flexible servers",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="topbar">
          <a href="/" className="brand">
            Flexguard
          </a>
          <span className="tagline">Backup protection for PostgreSQL flexible servers</span>
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
